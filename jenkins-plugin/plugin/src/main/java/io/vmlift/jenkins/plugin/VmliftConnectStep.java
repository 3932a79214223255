package io.vmlift.jenkins.plugin;

import hudson.Extension;
import java.util.ArrayList;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** Connects to the source provider, logs in, and returns [provider:, vmCount:]. */
public final class VmliftConnectStep extends VmliftStep {
    private String provider;

    public String getProvider() {
        return provider;
    }

    @DataBoundSetter
    public void setProvider(String provider) {
        this.provider = provider;
    }

    private String inventoryFile;

    public String getInventoryFile() {
        return inventoryFile;
    }

    @DataBoundSetter
    public void setInventoryFile(String inventoryFile) {
        this.inventoryFile = inventoryFile;
    }
    @DataBoundConstructor
    public VmliftConnectStep() {}

    @Override
    String stage() {
        return "connect";
    }

    @Override
    List<String> resultNames() {
        return List.of("provider", "vm-count");
    }

    @Override
    List<String> options() {
        List<String> options = new ArrayList<>();
        if (provider != null && !String.valueOf(provider).isEmpty()) {
            options.add("--provider");
            options.add(String.valueOf(provider));
        }
        if (inventoryFile != null && !String.valueOf(inventoryFile).isEmpty()) {
            options.add("--inventory-file");
            options.add(String.valueOf(inventoryFile));
        }
        return options;
    }

    @Extension
    public static final class DescriptorImpl extends VmliftStep.Descriptor {
        @Override
        public String getFunctionName() {
            return "vmliftConnect";
        }

        @Override
        public String getDisplayName() {
            return "vmlift: connect";
        }
    }
}
