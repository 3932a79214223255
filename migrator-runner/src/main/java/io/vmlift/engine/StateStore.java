package io.vmlift.engine;

/** Where a plan's state record is kept between runs: a file beside the manifests, or a ConfigMap in the cluster. */
public interface StateStore {
    /** The saved state, or null when this plan never ran there. */
    MigrationState load();

    /** Replaces the saved state; called from several VM threads, so implementations serialize. */
    void save(MigrationState state);

    /** Where it is, for messages: a file name, namespace/configmap. */
    String describe();
}
