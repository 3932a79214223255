package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Undoes a Plan's migration after a failed gate: sources vmlift powered off are powered on again, vmlift's
 * snapshots go, and what the Plan made on the target is removed (halted and kept with keepTarget). Returns
 * [planName:, rollbackStatus:, rolledBackVms: [...]]; as vars/vmliftRollback.groovy.
 */
public final class VmliftRollbackStep extends VmliftStep {
    private String plan;

    public String getPlan() {
        return plan;
    }

    @DataBoundSetter
    public void setPlan(String plan) {
        this.plan = plan;
    }

    private String outputDir;

    public String getOutputDir() {
        return outputDir;
    }

    @DataBoundSetter
    public void setOutputDir(String outputDir) {
        this.outputDir = outputDir;
    }

    /** Halt the migrated VirtualMachines and keep their disks instead of removing them. */
    private boolean keepTarget;

    public boolean isKeepTarget() {
        return keepTarget;
    }

    @DataBoundSetter
    public void setKeepTarget(boolean keepTarget) {
        this.keepTarget = keepTarget;
    }

    /** Do nothing when the Plan's last migration succeeded. */
    private boolean ifFailed;

    public boolean isIfFailed() {
        return ifFailed;
    }

    @DataBoundSetter
    public void setIfFailed(boolean ifFailed) {
        this.ifFailed = ifFailed;
    }

    @DataBoundConstructor
    public VmliftRollbackStep() {}

    @Override
    String stage() {
        return "rollback";
    }

    @Override
    List<String> resultNames() {
        return List.of("plan-name", "rollback-status", "rolled-back-vms");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        if (given(plan)) {
            options.add("--plan");
            options.add(plan);
        }
        if (given(outputDir)) {
            options.add("--output-dir");
            options.add(outputDir);
        }
        if (keepTarget) {
            options.add("--keep-target");
        }
        if (ifFailed) {
            options.add("--if-failed");
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftRollback";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: rollback";
        }
    }
}
