package io.vmlift;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Set;
import java.util.Comparator;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * What vmlift prints is made safe here, in one place: control characters from names that documents and sources
 * chose (ANSI escapes, carriage returns, bidi overrides) are shown escaped, never executed by a terminal or a CI
 * log viewer, and the values of loaded secrets are masked, also in stack traces that --debug prints.
 */
public final class Printable {
    /** Longest first: a secret that contains another must be masked whole, not around the shorter one. */
    private static final Set<String> SECRETS = new ConcurrentSkipListSet<>(
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    /** Shorter values would mask ordinary words; passwords this short are refused by every source anyway. */
    private static final int SHORTEST_SECRET = 4;
    static final String MASK = "***";

    private Printable() {}

    /** Remembers a secret's value so that nothing vmlift prints shows it. */
    public static void registerSecret(String value) {
        if (value != null && value.strip().length() >= SHORTEST_SECRET) {
            SECRETS.add(value.strip());
        }
    }

    /** Text as it may reach a terminal: secrets masked, control characters but newline and tab escaped. */
    public static String clean(String text) {
        return escape(mask(text), false);
    }

    /** Like {@link #clean}, and newlines escaped too: a name or message that must stay on its one line. */
    public static String oneLine(String text) {
        return escape(mask(text), true);
    }

    private static String mask(String text) {
        if (text == null) {
            return "null";
        }
        String masked = text;
        for (String secret : SECRETS) {
            masked = masked.replace(secret, MASK);
        }
        return masked;
    }

    private static String escape(String text, boolean newlines) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = (c < 0x20 && c != '\t' && (newlines || c != '\n')) || (c >= 0x7f && c <= 0x9f)
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
            if (unsafe && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (!unsafe) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else {
                    out.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /** A writer that passes everything through {@link #clean}. */
    public static PrintWriter safe(PrintWriter target) {
        if (target instanceof SafeWriter) {
            return target;
        }
        return new SafeWriter(target);
    }

    private static final class SafeWriter extends PrintWriter {
        SafeWriter(PrintWriter target) {
            super(new Writer() {
                @Override
                public void write(char[] buffer, int offset, int length) {
                    target.write(clean(new String(buffer, offset, length)));
                }

                @Override
                public void flush() {
                    target.flush();
                }

                @Override
                public void close() {
                    target.close();
                }
            }, true);
        }
    }
}
