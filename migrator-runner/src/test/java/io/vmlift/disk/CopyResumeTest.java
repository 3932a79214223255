package io.vmlift.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vmlift.testing.ForwardingImage;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A copy that dies half-way (nothing closed, nothing cleaned up, as after kill -9) resumes from its checkpoint:
 * the rerun reads only what the journal does not name, and the image is the source byte for byte as qemu-img
 * reads both, with qemu-img check clean. A journal that does not fit starts the copy over.
 */
class CopyResumeTest {
    private static final long MIB = 1024 * 1024;
    /** Data past the first checkpoint (64 MiB of chunks), with holes and an unaligned end. */
    private static final long VIRTUAL = 200 * MIB + 3 * 512;

    @TempDir
    Path dir;
    private Path raw;

    @BeforeEach
    void makeSource() throws IOException {
        raw = TestDisks.raw(dir.resolve("source.raw"), VIRTUAL, 7,
                0, 90 * MIB + 100,
                100 * MIB, 30 * MIB,
                150 * MIB + 4097, 20 * MIB,
                VIRTUAL - 1024, 1024);
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void aCopyKilledHalfWayResumesFromItsCheckpointAndEndsAsTheSource(DiskFormat format) throws Exception {
        Path image = dir.resolve("out" + format.extension());
        long allocated = DiskCopier.plannedBytes(DiskImages.open(raw));
        crashAfter(format, image, 120 * MIB);
        Path partial = image.resolveSibling(image.getFileName() + DiskFormat.PARTIAL_SUFFIX);
        assertThat(partial).exists();
        assertThat(DiskFormat.journalOf(partial)).exists();
        assertThat(image).doesNotExist();

        CountingImage again = new CountingImage(DiskImages.open(raw), Long.MAX_VALUE);
        DiskCopier.Result result;
        try (DiskWriter writer = format.createResumable(image, VIRTUAL)) {
            result = new DiskCopier(2).copy(again, writer, n -> {});
        }
        assertThat(result.resumedBytes()).as("bytes the checkpoint saved").isGreaterThanOrEqualTo(64 * MIB);
        assertThat(result.fileDigest()).as("bytes an earlier run wrote: the file must be read for its digest").isNull();
        assertThat(again.read.get()).as("bytes read again").isEqualTo(allocated - result.resumedBytes());
        assertSameAsSource(image, format);
        assertThat(partial).doesNotExist();
        assertThat(DiskFormat.journalOf(partial)).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void aTornLastJournalLineIsIgnored(DiskFormat format) throws Exception {
        Path image = dir.resolve("out" + format.extension());
        crashAfter(format, image, 120 * MIB);
        Path journal = DiskFormat.journalOf(image.resolveSibling(image.getFileName() + DiskFormat.PARTIAL_SUFFIX));
        Files.writeString(journal, "9999", StandardOpenOption.APPEND); // the kill came mid-append
        DiskCopier.Result result = copy(format, image, true);
        assertThat(result.resumedBytes()).isGreaterThanOrEqualTo(64 * MIB);
        assertSameAsSource(image, format);
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void aJournalThatDoesNotFitStartsTheCopyOver(DiskFormat format) throws Exception {
        Path image = dir.resolve("out" + format.extension());
        crashAfter(format, image, 120 * MIB);
        Path journal = DiskFormat.journalOf(image.resolveSibling(image.getFileName() + DiskFormat.PARTIAL_SUFFIX));
        List<String> lines = Files.readAllLines(journal, StandardCharsets.US_ASCII);
        // A chunk said to be at a cluster far past anything this image could hold (qcow2), or not aligned (raw).
        Files.writeString(journal, lines.get(0) + "\n" + lines.get(1) + "\n"
                + (format == DiskFormat.QCOW2 ? "0 0:99999999:1\n" : "12345\n"), StandardCharsets.US_ASCII);
        if (format == DiskFormat.RAW) {
            // Raw journals hold offsets only; a changed plan is what makes a raw copy start over.
            Files.writeString(journal, lines.get(0).replace("size=", "size=1") + "\n" + lines.get(1) + "\n");
        }
        DiskCopier.Result result = copy(format, image, true);
        assertThat(result.resumedBytes()).isZero();
        assertSameAsSource(image, format);
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void aSourceThatMayHaveChangedIsCopiedAfresh(DiskFormat format) throws Exception {
        Path image = dir.resolve("out" + format.extension());
        crashAfter(format, image, 120 * MIB);
        DiskCopier.Result result = copy(format, image, false);
        assertThat(result.resumedBytes()).isZero();
        assertSameAsSource(image, format);
    }

    private DiskCopier.Result copy(DiskFormat format, Path image, boolean resume) throws IOException {
        try (DiskImage source = DiskImages.open(raw); DiskWriter writer = format.createResumable(image, VIRTUAL)) {
            return new DiskCopier(2).resuming(resume).copy(source, writer, n -> {});
        }
    }

    /** Copies until the source has given this many bytes, then dies: no close, no cleanup, as under kill -9. */
    private void crashAfter(DiskFormat format, Path image, long bytes) throws IOException {
        DiskWriter writer = format.createResumable(image, VIRTUAL);
        Throwable died = catchThrowable(() -> new DiskCopier(2).copy(new CountingImage(DiskImages.open(raw), bytes),
                writer, n -> {}));
        assertThat(died).hasMessageContaining("killed");
        checkpointsStopped();
    }

    /**
     * kill -9 also stops the journal's checkpoint thread, which runs beside the copy threads: wait until it has
     * nothing in hand (a checkpoint cut short only leaves the journal shorter, which the torn-line test covers).
     */
    private static void checkpointsStopped() throws IOException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName()
                .equals("vmlift-copy-journal") && thread.getState() == Thread.State.RUNNABLE)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the journal's checkpoint did not end in 30 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
    }

    private void assertSameAsSource(Path image, DiskFormat format) throws Exception {
        assertThat(QemuImg.compare(raw, image).exitCode()).as("qemu-img compare").isZero();
        if (format == DiskFormat.QCOW2) {
            QemuImg.Outcome check = QemuImg.run("check", image.toString());
            assertThat(check.exitCode()).as(check.output()).isZero();
        }
    }

    /** Counts the bytes read; past the limit every read fails, as a process killed mid-copy reads no more. */
    private static final class CountingImage extends ForwardingImage {
        private final long limit;
        final AtomicLong read = new AtomicLong();

        CountingImage(DiskImage image, long limit) {
            super(image);
            this.limit = limit;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            if (read.addAndGet(dst.remaining()) > limit) {
                throw new IOException("killed");
            }
            image.read(offset, dst);
        }
    }
}
