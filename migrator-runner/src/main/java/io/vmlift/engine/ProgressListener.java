package io.vmlift.engine;

/** What a migration reports while it runs; the CLI shows it as a bar or as plain lines. */
public interface ProgressListener {
    void phase(String vm, Phase phase, String detail);

    /** A disk copy started: total is the number of allocated bytes to copy. */
    default void copyStarted(String vm, String disk, long total) {}

    default void copied(String vm, String disk, long bytes) {}

    /** The copy ended: succeeded is false when it failed and its error follows as a Failed phase. */
    default void copyFinished(String vm, String disk, boolean succeeded) {}

    ProgressListener NONE = (vm, phase, detail) -> {};
}
