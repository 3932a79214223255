package io.vmlift.model;

/** A reference to another document by name (core/v1 ObjectReference, as Forklift uses it). */
public record ObjectReference(
        String name,
        String namespace,
        String kind,
        String apiVersion,
        String uid,
        String resourceVersion,
        String fieldPath) {

    public static ObjectReference to(String name, String namespace) {
        return new ObjectReference(name, namespace, null, null, null, null, null);
    }
}
