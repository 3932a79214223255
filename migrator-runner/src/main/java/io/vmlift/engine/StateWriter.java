package io.vmlift.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The one thread that changes and saves a run's state record. VM threads send it changes and wait until the
 * record holding their change is saved, so a step is on record before it is taken (the power-off before the
 * source goes off) and a save never sees a record half-changed. Changes that arrive together are saved once:
 * with hundreds of VMs in flight, a save per change would write the whole record hundreds of times a second.
 */
final class StateWriter implements AutoCloseable {
    private record Change(Consumer<MigrationState> apply, boolean save, CompletableFuture<Void> done) {}

    private final MigrationState state;
    private final StateStore store;
    private final BlockingQueue<Change> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** Sent by close(): the last save, then the thread ends. */
    private final Change end = new Change(state -> {}, true, new CompletableFuture<>());

    StateWriter(MigrationState state, StateStore store) {
        this.state = state;
        this.store = store;
        this.thread = new Thread(this::loop, "vmlift-state-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Applies the change on the writer thread, saves the record, and returns once it is saved. */
    void change(Consumer<MigrationState> change) {
        Change sent = new Change(change, true, new CompletableFuture<>());
        queue.add(sent);
        await(sent.done()); // uninterruptible: the caller's step must not run before its record is saved
    }

    /** Waits for the writer thread, and throws what it met there as it was thrown. */
    private static void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Applies the change without waiting; with save false it rides along with the next save (the bytes a copy
     * has done, which are saved now and then, not per chunk).
     */
    void post(Consumer<MigrationState> change, boolean save) {
        queue.add(new Change(change, save, new CompletableFuture<>()));
    }

    private void loop() {
        List<Change> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread but the JVM's end; close() is the way out
            }
            queue.drainTo(batch);
            boolean ending = batch.remove(end);
            Throwable failure = null;
            boolean save = ending;
            for (Change change : batch) {
                try {
                    change.apply().accept(state);
                    save |= change.save();
                } catch (RuntimeException | Error e) {
                    change.done().completeExceptionally(e);
                }
            }
            if (save) {
                try {
                    store.save(state);
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
            }
            for (Change change : batch) {
                if (failure != null) {
                    change.done().completeExceptionally(failure);
                } else {
                    change.done().complete(null);
                }
            }
            if (ending) {
                if (failure != null) {
                    end.done().completeExceptionally(failure);
                } else {
                    end.done().complete(null);
                }
                return;
            }
        }
    }

    /** Saves what is pending and ends the thread; a save that fails here is thrown. */
    @Override
    public void close() {
        queue.add(end);
        await(end.done());
    }
}
