package io.vmlift.engine;

import io.vmlift.VmliftException;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Keeps the state record as JSON in a file, replaced atomically on every save. */
public final class StateStore {
    private final Path file;

    public StateStore(Path file) {
        this.file = file;
    }

    public static StateStore forPlan(Path outputDir, String plan) {
        return new StateStore(outputDir.resolve(plan + ".status.json"));
    }

    public Path file() {
        return file;
    }

    /** The saved state, or null when this plan never ran here. */
    public MigrationState load() {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Serialization.json().readValue(file.toFile(), MigrationState.class);
        } catch (IOException e) {
            throw VmliftException.badInput(file + ": the state record is unreadable (" + e.getMessage()
                    + "); delete it to start the plan over", e);
        }
    }

    public synchronized void save(MigrationState state) {
        Serialization.writeAtomically(file, Serialization.toJson(state));
    }
}
