package io.vmlift.model;

/** A Kubernetes-style document: apiVersion, kind, metadata. */
public interface Document {
    String apiVersion();

    String kind();

    ObjectMeta metadata();

    default String name() {
        return metadata() == null ? null : metadata().name();
    }

    default String namespace() {
        return metadata() == null ? null : metadata().namespace();
    }
}
