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
    public record Check(String name, boolean passed, String message, double seconds) {}

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
