package io.vmlift.jenkins.plugin;

import hudson.Extension;
import hudson.Util;
import java.util.ArrayList;
import java.util.List;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.StaplerRequest2;

/** Suggests a NetworkMap and a StorageMap for the VMs; returns [networkMap:, storageMap:]. */
public final class VmliftMapStep extends VmliftStep {
    private List<String> vms;

    public List<String> getVms() {
        return vms;
    }

    @DataBoundSetter
    public void setVms(List<String> vms) {
        this.vms = vms;
    }

    private String outputFile;

    public String getOutputFile() {
        return outputFile;
    }

    @DataBoundSetter
    public void setOutputFile(String outputFile) {
        this.outputFile = Util.fixEmpty(outputFile);
    }

    private String targetNamespace;

    public String getTargetNamespace() {
        return targetNamespace;
    }

    @DataBoundSetter
    public void setTargetNamespace(String targetNamespace) {
        this.targetNamespace = Util.fixEmpty(targetNamespace);
    }

    private String storageClass;

    public String getStorageClass() {
        return storageClass;
    }

    @DataBoundSetter
    public void setStorageClass(String storageClass) {
        this.storageClass = Util.fixEmpty(storageClass);
    }
    @DataBoundConstructor
    public VmliftMapStep() {}

    @Override
    String stage() {
        return "map";
    }

    @Override
    List<String> resultNames() {
        return List.of("network-map", "storage-map");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        if (vms != null) {
            for (String vm : vms) {
                options.add("--vm");
                options.add(vm);
            }
        }
        if (outputFile != null && !String.valueOf(outputFile).isEmpty()) {
            options.add("--output-file");
            options.add(String.valueOf(outputFile));
        }
        if (targetNamespace != null && !String.valueOf(targetNamespace).isEmpty()) {
            options.add("--target-namespace");
            options.add(String.valueOf(targetNamespace));
        }
        if (storageClass != null && !String.valueOf(storageClass).isEmpty()) {
            options.add("--storage-class");
            options.add(String.valueOf(storageClass));
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftMap";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: map";
        }

        /** config.jelly's textarea shows vms one per line. */
        public String lines(List<String> items) {
            return items == null ? "" : String.join("\n", items);
        }

        /**
         * The form has no control for a list of strings, so vms is a textarea split by lines here, as
         * workflow-basic-steps' EnvStep.DescriptorImpl.newInstance does for withEnv's overrides (the snippet
         * generator and the step configuration page both come through this method). Pipeline scripts pass a
         * list and bind through the @DataBoundSetter.
         */
        @Override
        public Step newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            JSONObject rest = JSONObject.fromObject(formData.toString());
            Object text = rest.remove("vms");
            VmliftMapStep step = (VmliftMapStep) super.newInstance(req, rest);
            List<String> vms = new ArrayList<>();
            for (String line : String.valueOf(text == null ? "" : text).split("\r?\n")) {
                if (!line.trim().isEmpty()) {
                    vms.add(line.trim());
                }
            }
            step.setVms(vms.isEmpty() ? null : vms);
            return step;
        }
    }
}
