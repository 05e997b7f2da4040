#include <iostream>
#include <numeric>
#include <thread>
#include <vector>

int main() {
    std::vector<int> v(100);
    std::iota(v.begin(), v.end(), 0);
    long sum = 0;
    std::thread t([&] { sum = std::accumulate(v.begin(), v.end(), 0L); });
    t.join();
    std::cout << "sum " << sum << std::endl;
}
