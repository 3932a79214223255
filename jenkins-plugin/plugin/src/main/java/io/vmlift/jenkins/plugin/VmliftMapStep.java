package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

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
        this.outputFile = outputFile;
    }

    private String targetNamespace;

    public String getTargetNamespace() {
        return targetNamespace;
    }

    @DataBoundSetter
    public void setTargetNamespace(String targetNamespace) {
        this.targetNamespace = targetNamespace;
    }

    private String storageClass;

    public String getStorageClass() {
        return storageClass;
    }

    @DataBoundSetter
    public void setStorageClass(String storageClass) {
        this.storageClass = storageClass;
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
    }
}
