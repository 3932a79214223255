package io.vmlift.cli;

/** Byte counts for people: 1.5Gi, 300Mi. */
final class Sizes {
    private Sizes() {}

    static String human(long bytes) {
        String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.format("%.0f", value) : String.format("%.1f", value)) + units[unit];
    }
}
