package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * forklift.konveyor.io/v1beta1 Hook (pkg/apis/forklift/v1beta1/hook.go): a playbook run before or after a VM's
 * migration. vmlift loads Hooks so that Forklift documents move over whole; it does not run them yet, and plan
 * says so for every VM that names one.
 */
public record Hook(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "Hook";

    public record Spec(String serviceAccount, String image, String playbook, Long deadline, Aap aap) {}

    /** A job template of the Ansible Automation Platform instead of a local image. */
    public record Aap(Integer jobTemplateId, String url, ObjectReference tokenSecret, Long timeout) {}
}
