package io.vmlift.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * vmlift.io/v1alpha1 TestSuite: what "the migrated VM works" means for an application, as checks that `vmlift
 * test` runs against each migrated VM (a booted guest): a console line, an HTTP answer, a TCP port, the guest
 * agent, a command over SSH, the disks the guest sees.
 */
public record TestSuite(String apiVersion, String kind, ObjectMeta metadata, Spec spec) implements Document {
    public static final String API_VERSION = "vmlift.io/v1alpha1";
    public static final String KIND = "TestSuite";

    /**
     * @param plan the Plan whose VMs are tested; none: every Plan in the documents
     * @param vms the VMs (source or target names); none: every VM of the plan
     */
    public record Spec(ObjectReference plan, List<String> vms, List<Check> checks) {}

    /**
     * One check. Which fields apply depends on the type: console (expect: a regular expression a console line
     * matches), http (port, path, expectStatus, expectBody), tcp (port, expect: open or closed), guestAgent,
     * command (command, expectOutput, credentials), disks.
     *
     * @param timeout how long the check is retried until it passes, as a Kubernetes duration (300s, 5m)
     */
    public record Check(String name, Type type, String expect, Integer port, String path, Integer expectStatus,
            String expectBody, List<String> command, String expectOutput, Credentials credentials, String timeout,
            Severity severity) {

        public Severity severityOrDefault() {
            return severity == null ? Severity.BLOCK : severity;
        }

        /** The timeout, or the type's default: booting takes longer than answering. */
        public Duration timeoutOrDefault() {
            return timeout == null ? type.defaultTimeout : parseDuration(timeout);
        }

        public String pathOrDefault() {
            return path == null ? "/" : path;
        }

        public int expectStatusOrDefault() {
            return expectStatus == null ? 200 : expectStatus;
        }

        /** tcp: whether the port must accept connections (open, the default) or refuse them (closed). */
        public boolean expectsOpen() {
            return expect == null || expect.equals("open");
        }
    }

    /** Where a command check's login comes from: a Secret with ssh-privatekey, or username and password. */
    public record Credentials(ObjectReference secret) {}

    public enum Type {
        CONSOLE("console", Duration.ofSeconds(300)),
        HTTP("http", Duration.ofSeconds(120)),
        TCP("tcp", Duration.ofSeconds(120)),
        GUEST_AGENT("guestAgent", Duration.ofSeconds(300)),
        COMMAND("command", Duration.ofSeconds(120)),
        DISKS("disks", Duration.ofSeconds(120));

        private final String text;
        private final Duration defaultTimeout;

        Type(String text, Duration defaultTimeout) {
            this.text = text;
            this.defaultTimeout = defaultTimeout;
        }

        @JsonValue
        @Override
        public String toString() {
            return text;
        }

        @JsonCreator
        public static Type of(String text) {
            for (Type type : values()) {
                if (type.text.equals(text)) {
                    return type;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a check type (console, http, tcp, guestAgent,"
                    + " command, disks)");
        }
    }

    /** block: a failure fails the test stage (exit 5); warn: it is reported, and the stage passes. */
    public enum Severity {
        BLOCK, WARN;

        @JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @JsonCreator
        public static Severity of(String text) {
            return switch (text) {
                case "block" -> BLOCK;
                case "warn" -> WARN;
                default -> throw new IllegalArgumentException("'" + text + "' is not a severity (block, warn)");
            };
        }
    }

    /** What is wrong with the suite, one line each (naming the check); empty when it can run. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (spec == null || spec.checks() == null || spec.checks().isEmpty()) {
            problems.add("spec.checks is empty: a suite needs at least one check");
            return problems;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.checks().size(); i++) {
            Check check = spec.checks().get(i);
            String where = "spec.checks[" + i + "]";
            if (check == null) {
                problems.add(where + " is empty");
                continue;
            }
            if (check.name() == null || check.name().isBlank()) {
                problems.add(where + " has no name");
            } else if (!names.add(check.name())) {
                problems.add(where + ": the name '" + check.name() + "' is used twice");
            }
            if (check.type() == null) {
                problems.add(where + " has no type (console, http, tcp, guestAgent, command, disks)");
                continue;
            }
            where += " (" + check.name() + ")";
            if (check.timeout() != null) {
                try {
                    Duration timeout = parseDuration(check.timeout());
                    if (timeout.isZero() || timeout.compareTo(Duration.ofHours(24)) > 0) {
                        problems.add(where + ": timeout must be more than 0 and at most 24h");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": " + e.getMessage());
                }
            }
            switch (check.type()) {
                case CONSOLE -> requirePattern(problems, where, "expect", check.expect(), true);
                case HTTP -> {
                    requirePort(problems, where, check.port());
                    if (check.expectStatus() != null && (check.expectStatus() < 100 || check.expectStatus() > 599)) {
                        problems.add(where + ": expectStatus must be an HTTP status (100 to 599)");
                    }
                    if (check.path() != null && !check.path().startsWith("/")) {
                        problems.add(where + ": path must start with /");
                    }
                    requirePattern(problems, where, "expectBody", check.expectBody(), false);
                }
                case TCP -> {
                    requirePort(problems, where, check.port());
                    if (check.expect() != null && !check.expect().equals("open") && !check.expect().equals("closed")) {
                        problems.add(where + ": expect must be open or closed for a tcp check");
                    }
                }
                case COMMAND -> {
                    if (check.command() == null || check.command().isEmpty()) {
                        problems.add(where + ": command is empty");
                    }
                    if (check.credentials() == null || check.credentials().secret() == null
                            || check.credentials().secret().name() == null) {
                        problems.add(where + ": credentials.secret.name is missing (the Secret with the login)");
                    }
                    requirePattern(problems, where, "expectOutput", check.expectOutput(), false);
                }
                case GUEST_AGENT, DISKS -> { }
            }
        }
        return problems;
    }

    private static void requirePort(List<String> problems, String where, Integer port) {
        if (port == null || port < 1 || port > 65535) {
            problems.add(where + ": port must be 1 to 65535");
        }
    }

    private static void requirePattern(List<String> problems, String where, String field, String pattern,
            boolean required) {
        if (pattern == null) {
            if (required) {
                problems.add(where + ": " + field + " is missing (a regular expression)");
            }
            return;
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            problems.add(where + ": " + field + " is not a regular expression: " + e.getDescription());
        }
    }

    /**
     * A Kubernetes (Go) duration: a sequence of numbers with units h, m, s, ms ("300s", "1h30m"). Bounded, so a
     * hostile number cannot overflow.
     */
    public static Duration parseDuration(String text) {
        var matcher = Pattern.compile("(\\d{1,9})(ms|h|m|s)").matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length() && matcher.find(at) && matcher.start() == at) {
            long value = Long.parseLong(matcher.group(1));
            total = total.plus(switch (matcher.group(2)) {
                case "h" -> Duration.ofHours(value);
                case "m" -> Duration.ofMinutes(value);
                case "s" -> Duration.ofSeconds(value);
                default -> Duration.ofMillis(value);
            });
            at = matcher.end();
        }
        if (text.isEmpty() || at != text.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 90s, 5m, 1h30m)");
        }
        return total;
    }
}
