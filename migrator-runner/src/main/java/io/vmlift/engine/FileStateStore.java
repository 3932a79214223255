package io.vmlift.engine;

import io.vmlift.VmliftException;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Keeps the state record as JSON in a file, replaced atomically on every save. */
public final class FileStateStore implements StateStore {
    private final Path file;

    public FileStateStore(Path file) {
        this.file = file;
    }

    public static FileStateStore forPlan(Path outputDir, String plan) {
        return new FileStateStore(outputDir.resolve(plan + ".status.json"));
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
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

    @Override
    public synchronized void save(MigrationState state) {
        Serialization.writeAtomically(file, Serialization.toJson(state));
    }
}
