package io.vmlift.disk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The image formats vmlift writes. */
public enum DiskFormat {
    RAW(".img"),
    QCOW2(".qcow2");

    /** What an image is called while it is being written; renamed to its final name when complete. */
    public static final String PARTIAL_SUFFIX = ".partial";

    private final String extension;

    DiskFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** A writer that starts afresh every time. */
    public DiskWriter create(Path target, long virtualSize) throws IOException {
        return open(target, virtualSize, false);
    }

    /**
     * A writer that keeps a checkpoint (CopyJournal) beside its partial file, and, told the same copy plan
     * again after a crash, resumes from it.
     */
    public DiskWriter createResumable(Path target, long virtualSize) throws IOException {
        return open(target, virtualSize, true);
    }

    private DiskWriter open(Path target, long virtualSize, boolean resumable) throws IOException {
        return switch (this) {
            case RAW -> new RawWriter(target, virtualSize, resumable);
            case QCOW2 -> new Qcow2Writer(target, virtualSize, resumable);
        };
    }

    /** The copy checkpoint kept beside a partial image. */
    public static Path journalOf(Path partial) {
        return CopyJournal.of(partial);
    }

    public static DiskFormat parse(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
