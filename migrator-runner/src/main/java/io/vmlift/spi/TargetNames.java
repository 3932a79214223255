package io.vmlift.spi;

import java.util.Locale;
import java.util.regex.Pattern;

/** Kubernetes names for source things, after Forklift's ChangeVmName: DNS-1123 labels, at most 63 characters. */
public final class TargetNames {
    public static final int MAX = 63;
    private static final Pattern VALID = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private TargetNames() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** "Example VM_01.prod" -> "example-vm-01-prod"; a name with nothing usable becomes "vm". */
    public static String normalize(String name) {
        String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
        String dashed = lower.replaceAll("[^a-z0-9]+", "-");
        String trimmed = trim(dashed.length() > MAX ? dashed.substring(0, MAX) : dashed);
        return trimmed.isEmpty() ? "vm" : trimmed;
    }

    /**
     * base with "-suffix", within 63 characters. A base that must be cut keeps a short hash of its whole self,
     * so two long names that share their first 50 characters still give different names.
     */
    public static String withSuffix(String base, String suffix) {
        int room = MAX - suffix.length() - 1;
        if (base.length() <= room) {
            return base + "-" + suffix;
        }
        String hash = Integer.toHexString(base.hashCode() & 0xfffff);
        String cut = trim(base.substring(0, room - hash.length() - 1));
        return cut + "-" + hash + "-" + suffix;
    }

    private static String trim(String name) {
        return name.replaceAll("^-+", "").replaceAll("-+$", "");
    }
}
