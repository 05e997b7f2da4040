package dev.sandbox4j.bench;

import java.util.Arrays;

/** A set of measurements of one quantity, and the order statistics the report quotes. */
final class Samples {
    private double[] values = new double[16];
    private int size;

    void add(double value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The median, the minimum and the maximum; medians resist the outliers a shared machine produces. */
    Summary summary() {
        if (size == 0) {
            throw new IllegalStateException("no samples");
        }
        double[] s = Arrays.copyOf(values, size);
        Arrays.sort(s);
        double median = size % 2 == 1 ? s[size / 2] : (s[size / 2 - 1] + s[size / 2]) / 2;
        return new Summary(median, s[0], s[size - 1], quantile(s, 0.9), size);
    }

    /** The q-quantile (0 to 1; 0.99 for p99), nearest rank. */
    double quantile(double q) {
        if (size == 0) {
            throw new IllegalStateException("no samples");
        }
        double[] s = Arrays.copyOf(values, size);
        Arrays.sort(s);
        return quantile(s, q);
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    record Summary(double median, double min, double max, double p90, int count) {
        boolean plausible() {
            return count > 0 && Double.isFinite(median) && median > 0 && min > 0 && max >= median;
        }
    }
}
