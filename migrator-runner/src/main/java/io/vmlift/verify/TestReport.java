package io.vmlift.verify;

import java.util.ArrayList;
import java.util.List;

/** The outcome of the test stage: per VM, named checks that passed or failed. Written as JSON and JUnit XML. */
public record TestReport(String plan, List<VmResult> vms) {

    public record VmResult(String name, List<Check> checks) {
        public boolean passed() {
            return checks.stream().allMatch(Check::passedOrWarns);
        }
    }

    /**
     * @param message what was wrong, when the check failed
     * @param evidence what the check saw (a console line, an HTTP status and the first bytes), pass or fail
     * @param blocking whether a failure fails the stage (a TestSuite's severity block); warn failures are reported
     */
    public record Check(String name, boolean passed, String message, double seconds, String evidence,
            boolean blocking) {
        public Check(String name, boolean passed, String message, double seconds) {
            this(name, passed, message, seconds, null, true);
        }

        public boolean passedOrWarns() {
            return passed || !blocking;
        }

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

    /** Failures that fail the stage. */
    public long failedCount() {
        return vms.stream().flatMap(v -> v.checks().stream()).filter(c -> !c.passedOrWarns()).count();
    }

    /** Failures of warn checks: reported, the stage still passes. */
    public long warningCount() {
        return vms.stream().flatMap(v -> v.checks().stream()).filter(c -> !c.passed() && !c.blocking()).count();
    }

    public boolean passed() {
        return failedCount() == 0;
    }

    /** "N passed, N failed[, N warnings]": the plain closing line CI systems read. */
    public String summary() {
        long warnings = warningCount();
        return passedCount() + " passed, " + failedCount() + " failed" + (warnings > 0 ? ", " + warnings
                + " warning" + (warnings == 1 ? "" : "s") : "");
    }
}
