package io.vmlift.engine;

import io.vmlift.VmliftException;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    /**
     * An operating-system lock on a file beside the record: it ends with the process, also after kill -9, so a
     * crashed run never blocks the next. The file stays (deleting it would let two runs lock two files).
     */
    @Override
    public Lock lock() {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        String plan = file.getFileName().toString().replaceFirst("\\.status\\.json$", "");
        try {
            Files.createDirectories(lockFile.toAbsolutePath().getParent());
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock held;
            try {
                held = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                held = null; // another run in this same process
            }
            if (held == null) {
                String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).strip();
                channel.close();
                throw StateStore.heldBy(plan, file.toAbsolutePath().getParent().toString(),
                        holder.isEmpty() ? "holder unknown" : holder);
            }
            channel.truncate(0).write(ByteBuffer.wrap(StateStore.identity().getBytes(StandardCharsets.UTF_8)));
            FileLock lock = held;
            return () -> {
                try {
                    lock.release();
                    channel.close();
                } catch (IOException e) {
                    // the lock ends with the channel, and at the latest with the process
                }
            };
        } catch (IOException e) {
            throw VmliftException.badInput("cannot lock " + lockFile + ": " + Serialization.describe(e)
                    + "; choose a writable folder", e);
        }
    }

    @Override
    public synchronized void save(MigrationState state) {
        Serialization.writeAtomically(file, Serialization.toJson(state));
    }
}
