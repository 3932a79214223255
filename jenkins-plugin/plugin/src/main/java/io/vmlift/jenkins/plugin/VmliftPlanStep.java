package io.vmlift.jenkins.plugin;

import hudson.AbortException;
import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Validates the Plan; Critical concerns fail the step (exit 3). Returns [planName:, planReady:]. With waves: N
 * (and canary: K, default 1) it also writes the Plan as a canary and N waves into the documents as
 * &lt;plan&gt;-waves.yaml and returns [canaryPlan:, wavePlans: [...]] too, as vars/vmliftPlan.groovy does.
 */
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

    /** How many waves to split the Plan into (besides the canary); none when unset or 0. */
    private Integer waves;

    public Integer getWaves() {
        return waves;
    }

    @DataBoundSetter
    public void setWaves(Integer waves) {
        this.waves = waves;
    }

    /** How many VMs the canary takes when splitting (default 1, 0 for none). */
    private Integer canary;

    public Integer getCanary() {
        return canary;
    }

    @DataBoundSetter
    public void setCanary(Integer canary) {
        this.canary = canary;
    }

    @DataBoundConstructor
    public VmliftPlanStep() {}

    private boolean splits() {
        return waves != null && waves > 0;
    }

    @Override
    void validate() throws AbortException {
        if (splits() && !given(plan)) {
            throw new AbortException("vmliftPlan: waves needs plan, the name of the Plan to split");
        }
    }

    @Override
    String stage() {
        return "plan";
    }

    @Override
    List<String> resultNames() {
        List<String> names = new ArrayList<>(List.of("plan-name", "plan-ready"));
        if (splits()) {
            names.add("canary-plan");
            names.add("wave-plans");
        }
        return names;
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
        if (splits()) {
            String folder = given(getDocuments()) ? getDocuments() : "documents";
            options.add("--split");
            options.add(String.valueOf(waves));
            options.add("--canary");
            options.add(String.valueOf(canary == null ? 1 : canary));
            options.add("--plan-file");
            options.add(folder + "/" + plan + "-waves.yaml");
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
