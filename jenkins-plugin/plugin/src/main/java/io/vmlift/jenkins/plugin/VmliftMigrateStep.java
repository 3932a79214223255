package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** Migrates the Plan's VMs; survives a controller restart. Returns [planName:, migratedVms:, migrationStatus:]. */
public final class VmliftMigrateStep extends VmliftStep {
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

    private String diskFormat;

    public String getDiskFormat() {
        return diskFormat;
    }

    @DataBoundSetter
    public void setDiskFormat(String diskFormat) {
        this.diskFormat = diskFormat;
    }

    private Integer maxInFlight;

    public Integer getMaxInFlight() {
        return maxInFlight;
    }

    @DataBoundSetter
    public void setMaxInFlight(Integer maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    private String cutover;

    public String getCutover() {
        return cutover;
    }

    @DataBoundSetter
    public void setCutover(String cutover) {
        this.cutover = cutover;
    }

    private Integer precopyInterval;

    public Integer getPrecopyInterval() {
        return precopyInterval;
    }

    @DataBoundSetter
    public void setPrecopyInterval(Integer precopyInterval) {
        this.precopyInterval = precopyInterval;
    }
    @DataBoundConstructor
    public VmliftMigrateStep() {}

    @Override
    String stage() {
        return "migrate";
    }

    @Override
    List<String> resultNames() {
        return List.of("plan-name", "migrated-vms", "migration-status");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        options.add("--progress");
        options.add("plain");
        if (plan != null && !String.valueOf(plan).isEmpty()) {
            options.add("--plan");
            options.add(String.valueOf(plan));
        }
        if (outputDir != null && !String.valueOf(outputDir).isEmpty()) {
            options.add("--output-dir");
            options.add(String.valueOf(outputDir));
        }
        if (diskFormat != null && !String.valueOf(diskFormat).isEmpty()) {
            options.add("--disk-format");
            options.add(String.valueOf(diskFormat));
        }
        if (maxInFlight != null && !String.valueOf(maxInFlight).isEmpty()) {
            options.add("--max-in-flight");
            options.add(String.valueOf(maxInFlight));
        }
        if (cutover != null && !String.valueOf(cutover).isEmpty()) {
            options.add("--cutover");
            options.add(String.valueOf(cutover));
        }
        if (precopyInterval != null && !String.valueOf(precopyInterval).isEmpty()) {
            options.add("--precopy-interval");
            options.add(String.valueOf(precopyInterval));
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftMigrate";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: migrate";
        }
    }
}
