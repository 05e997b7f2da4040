package dev.sandbox4j.seccomp;

import java.util.Random;

/**
 * Random 64-bit argument values that stress a filter's two 32-bit halves: small, around 2^32, only the high word,
 * all ones, the top bit, single nibbles, the clone namespace flags. The random filter tests draw rule values,
 * masks and probes from here.
 */
final class BoundaryValues {
    private BoundaryValues() {}

    static long next(Random random) {
        switch (random.nextInt(10)) {
            case 0:
                return random.nextInt(16);
            case 1:
                return 0xffffffffL - random.nextInt(3);
            case 2:
                return (1L << 32) + random.nextInt(3) - 1;
            case 3:
                return ((long) random.nextInt(3)) << 32 | random.nextInt(300);
            case 4:
                return -1L - random.nextInt(3);
            case 5:
                return 0x8000000000000000L | random.nextInt(3);
            case 6:
                return 0xf0L << (random.nextInt(8) * 4);
            case 7:
                return 0x7E020000L | ((long) random.nextInt(2) << 32);
            case 8:
                return random.nextInt(1000);
            default:
                return random.nextLong();
        }
    }
}
