package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** Tests the migrated VMs and writes JUnit XML (publish it with junit). Returns [testSummary:, testPassed:]. */
public final class VmliftTestStep extends VmliftStep {
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

    private String junit;

    public String getJunit() {
        return junit;
    }

    @DataBoundSetter
    public void setJunit(String junit) {
        this.junit = junit;
    }

    private String report;

    public String getReport() {
        return report;
    }

    @DataBoundSetter
    public void setReport(String report) {
        this.report = report;
    }

    private Integer readyTimeout;

    public Integer getReadyTimeout() {
        return readyTimeout;
    }

    @DataBoundSetter
    public void setReadyTimeout(Integer readyTimeout) {
        this.readyTimeout = readyTimeout;
    }

    /** TestSuite documents (a file or folder) to run against the migrated guests. */
    private String suite;

    public String getSuite() {
        return suite;
    }

    @DataBoundSetter
    public void setSuite(String suite) {
        this.suite = suite;
    }

    /** Boot the VMs of outputDir with QEMU on the agent to run the suites. */
    private boolean boot;

    public boolean isBoot() {
        return boot;
    }

    @DataBoundSetter
    public void setBoot(boolean boot) {
        this.boot = boot;
    }

    @DataBoundConstructor
    public VmliftTestStep() {}

    @Override
    String stage() {
        return "test";
    }

    @Override
    List<String> resultNames() {
        return List.of("test-summary", "test-passed");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        if (plan != null && !String.valueOf(plan).isEmpty()) {
            options.add("--plan");
            options.add(String.valueOf(plan));
        }
        if (outputDir != null && !String.valueOf(outputDir).isEmpty()) {
            options.add("--output-dir");
            options.add(String.valueOf(outputDir));
        }
        if (junit != null && !String.valueOf(junit).isEmpty()) {
            options.add("--junit");
            options.add(String.valueOf(junit));
        }
        if (report != null && !String.valueOf(report).isEmpty()) {
            options.add("--report");
            options.add(String.valueOf(report));
        }
        if (readyTimeout != null && !String.valueOf(readyTimeout).isEmpty()) {
            options.add("--ready-timeout");
            options.add(String.valueOf(readyTimeout));
        }
        if (suite != null && !suite.isEmpty()) {
            options.add("-f");
            options.add(suite);
        }
        if (boot) {
            options.add("--boot");
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftTest";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: test";
        }
    }
}
