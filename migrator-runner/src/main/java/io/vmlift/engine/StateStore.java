package io.vmlift.engine;

/** Where a plan's state record is kept between runs: a file beside the manifests, or a ConfigMap in the cluster. */
public interface StateStore {
    /** The saved state, or null when this plan never ran there. */
    MigrationState load();

    /** Replaces the saved state; during a run, only from the engine's one writer thread. */
    void save(MigrationState state);

    /** Where it is, for messages: a file name, namespace/configmap. */
    String describe();

    /**
     * Takes this plan's lock on this target for one run, or fails at once with one line naming the run that
     * holds it: two runs of one plan into one place would undo each other's work.
     */
    Lock lock();

    /** A held lock; closing it lets the next run in. */
    interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    /** The one line a second run gets. */
    static io.vmlift.VmliftException heldBy(String plan, String where, String holder) {
        return new io.vmlift.VmliftException(io.vmlift.ExitCode.FAILED, "plan '" + plan + "' is being migrated into "
                + where + " by another run (" + holder + "); wait for it to end, then run again");
    }

    /** Who this process is, for the lock's holder: host, process id and when it started. */
    static String identity() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown host";
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host + " since "
                + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }
}
