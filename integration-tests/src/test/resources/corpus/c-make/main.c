#include "greet.h"

int main(void) {
    greet("C");
    return 0;
}
