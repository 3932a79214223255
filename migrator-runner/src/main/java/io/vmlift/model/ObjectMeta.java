package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The metadata of a Kubernetes object, with the fields `kubectl get -o yaml` prints, so exported documents load. */
public record ObjectMeta(
        String name,
        String generateName,
        String namespace,
        String uid,
        String resourceVersion,
        Long generation,
        String creationTimestamp,
        Map<String, String> labels,
        Map<String, String> annotations,
        List<JsonNode> ownerReferences,
        List<String> finalizers,
        List<JsonNode> managedFields) {

    public static ObjectMeta named(String name, String namespace) {
        return new ObjectMeta(name, null, namespace, null, null, null, null, null, null, null, null, null);
    }
}
