package io.vmlift.verify;

import java.util.ArrayList;
import java.util.List;

/** The outcome of the test stage: per VM, named checks that passed or failed. Written as JSON and JUnit XML. */
public record TestReport(String plan, List<VmResult> vms) {

    public record VmResult(String name, List<Check> checks) {
        public boolean passed() {
            return checks.stream().allMatch(Check::passed);
        }
    }

    /** message says what was wrong, when the check failed. */
    public record Check(String name, boolean passed, String message, double seconds) {

        /** The body of a check: returns null when it passes, else what was wrong. */
        @FunctionalInterface
        public interface Body {
            String run() throws java.io.IOException;
        }

        /** Runs a check and times it; any exception fails it, with or without a message. */
        public static Check run(String name, Body body) {
            long start = System.nanoTime();
            String problem;
            try {
                problem = body.run();
            } catch (java.io.IOException | RuntimeException e) {
                problem = e.getMessage() != null ? e.getMessage() : "could not check: " + e.getClass().getSimpleName();
            }
            return new Check(name, problem == null, problem, (System.nanoTime() - start) / 1e9);
        }
    }

    public static TestReport of(String plan) {
        return new TestReport(plan, new ArrayList<>());
    }

    public long passedCount() {
        return vms.stream().flatMap(v -> v.checks().stream()).filter(Check::passed).count();
    }

    public long failedCount() {
        return vms.stream().flatMap(v -> v.checks().stream()).filter(c -> !c.passed()).count();
    }

    public boolean passed() {
        return failedCount() == 0;
    }

    /** "N passed, N failed": the plain closing line CI systems read. */
    public String summary() {
        return passedCount() + " passed, " + failedCount() + " failed";
    }
}
