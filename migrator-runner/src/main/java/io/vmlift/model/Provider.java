package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** forklift.konveyor.io/v1beta1 Provider: where VMs come from or go to. */
public record Provider(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "Provider";
    public static final List<String> TYPES = List.of("vsphere", "ovirt", "ova", "openshift");

    public record Spec(String type, String url, ObjectReference secret, Map<String, String> settings) {}

    public String type() {
        return spec == null ? null : spec.type();
    }

    public String url() {
        return spec == null || spec.url() == null ? "" : spec.url();
    }

    /** A destination provider: the cluster (Forklift's "host" provider is openshift with an empty url). */
    public boolean isDestination() {
        return "openshift".equals(type());
    }

    /** The name of the Secret spec.secret names, or "(none)", for messages. */
    public String secretName() {
        return spec == null || spec.secret() == null || spec.secret().name() == null ? "(none)" : spec.secret().name();
    }

    public String setting(String key) {
        return spec == null || spec.settings() == null ? null : spec.settings().get(key);
    }
}
