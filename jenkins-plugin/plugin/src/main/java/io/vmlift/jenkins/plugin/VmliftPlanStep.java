package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** Validates the Plan; Critical concerns fail the step (exit 3). Returns [planName:, planReady:]. */
public final class VmliftPlanStep extends VmliftStep {
    private String plan;

    public String getPlan() {
        return plan;
    }

    @DataBoundSetter
    public void setPlan(String plan) {
        this.plan = plan;
    }

    private boolean checkCluster;

    public boolean getCheckCluster() {
        return checkCluster;
    }

    @DataBoundSetter
    public void setCheckCluster(boolean checkCluster) {
        this.checkCluster = checkCluster;
    }

    private String concernsFile;

    public String getConcernsFile() {
        return concernsFile;
    }

    @DataBoundSetter
    public void setConcernsFile(String concernsFile) {
        this.concernsFile = concernsFile;
    }
    @DataBoundConstructor
    public VmliftPlanStep() {}

    @Override
    String stage() {
        return "plan";
    }

    @Override
    List<String> resultNames() {
        return List.of("plan-name", "plan-ready");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        if (plan != null && !String.valueOf(plan).isEmpty()) {
            options.add("--plan");
            options.add(String.valueOf(plan));
        }
        if (checkCluster) {
            options.add("--check-cluster");
        }
        if (concernsFile != null && !String.valueOf(concernsFile).isEmpty()) {
            options.add("--concerns-file");
            options.add(String.valueOf(concernsFile));
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftPlan";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: plan";
        }
    }
}
