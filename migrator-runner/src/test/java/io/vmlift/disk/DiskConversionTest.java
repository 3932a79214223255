package io.vmlift.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** vmlift's readers and writers against images made and checked by qemu-img. */
class DiskConversionTest {
    private static final long MIB = 1024 * 1024;
    private static final long VIRTUAL = 64 * MIB + 3 * 512; // not a multiple of the grain or cluster

    @TempDir
    Path dir;
    private Path raw;

    @BeforeEach
    void makeSource() throws IOException {
        // Data at the start, an unaligned run in the middle, and the very last sectors; holes between.
        raw = TestDisks.raw(dir.resolve("source.raw"), VIRTUAL, 42,
                0, 3 * MIB + 100,
                17 * MIB + 4097, 5000,
                40 * MIB, 2 * MIB,
                VIRTUAL - 1024, 1024);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "monolithicSparse, raw", "monolithicSparse, qcow2",
        "streamOptimized, raw", "streamOptimized, qcow2",
        "monolithicFlat, raw", "monolithicFlat, qcow2",
        "twoGbMaxExtentSparse, qcow2",
        "raw, qcow2",
        "qcow2, raw", "qcow2-compressed, raw", "qcow2, qcow2"
    })
    void convertedImageHasTheSameContentsAsQemuImgSays(String subformat, String output) throws Exception {
        Path source = switch (subformat) {
            case "raw" -> raw;
            case "qcow2" -> convertWithQemu(raw, "source.qcow2");
            case "qcow2-compressed" -> convertWithQemu(raw, "source.qcow2", "-c");
            default -> {
                Path vmdk = dir.resolve("source.vmdk");
                QemuImg.toVmdk(raw, vmdk, subformat);
                yield vmdk;
            }
        };
        DiskFormat format = DiskFormat.parse(output);
        Path converted = dir.resolve("out" + format.extension());
        AtomicLong progressed = new AtomicLong();
        DiskCopier.Result result;
        try (DiskImage image = DiskImages.open(source)) {
            assertThat(image.virtualSize()).isEqualTo(VIRTUAL);
            result = new DiskCopier(2).copy(image, format.create(converted, image.virtualSize()), progressed::addAndGet);
        }
        assertThat(QemuImg.compare(raw, converted).exitCode())
                .as("qemu-img compare %s %s", raw, converted).isZero();
        assertThat(progressed.get()).isEqualTo(result.allocatedBytes());
        assertThat(result.bytesWritten()).isLessThanOrEqualTo(8 * MIB);
        if (format == DiskFormat.QCOW2) {
            QemuImg.require("check", converted.toString());
            assertThat(QemuImg.require("info", "--output=json", converted.toString())).contains("\"virtual-size\": " + VIRTUAL);
        }
        assertThat(Files.exists(converted.resolveSibling(converted.getFileName() + ".partial"))).isFalse();
    }

    @Test
    void twoCopyThreadsKeepEachWritesClustersTogetherInTheQcow2File() throws Exception {
        Path full = TestDisks.raw(dir.resolve("full.raw"), 32 * MIB, 7, 0, 32 * MIB);
        Path converted = dir.resolve("full.qcow2");
        try (DiskImage image = DiskImages.open(full)) {
            new DiskCopier(2).copy(image, DiskFormat.QCOW2.create(converted, image.virtualSize()), n -> {});
        }
        assertThat(QemuImg.compare(full, converted).exitCode()).isZero();
        // qemu-img map merges guest ranges that lie back to back in the file: with the clusters of each 1 MiB
        // chunk placed one by one as the threads asked, it listed hundreds of ranges.
        long ranges = QemuImg.require("map", "--output=json", converted.toString()).lines()
                .filter(line -> line.contains("\"data\": true")).count();
        assertThat(ranges).as("data ranges in the qcow2 file").isBetween(1L, 32L);
    }

    private Path convertWithQemu(Path from, String name, String... options) throws Exception {
        Path to = dir.resolve(name);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("convert", "-f", "raw", "-O", "qcow2"));
        args.addAll(java.util.List.of(options));
        args.addAll(java.util.List.of(from.toString(), to.toString()));
        QemuImg.require(args.toArray(String[]::new));
        return to;
    }

    @ParameterizedTest(name = "{0} streamed as qcow2")
    @CsvSource({"streamOptimized", "monolithicSparse", "raw"})
    void aQcow2StreamWrittenFrontToBackIsAValidImageOfTheSource(String subformat) throws Exception {
        Path source = raw;
        if (!subformat.equals("raw")) {
            source = dir.resolve("source.vmdk");
            QemuImg.toVmdk(raw, source, subformat);
        }
        Path streamed = dir.resolve("streamed.qcow2");
        long planned;
        try (DiskImage image = DiskImages.open(source);
                java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(streamed,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            planned = Qcow2StreamWriter.Layout.plan(image.virtualSize(),
                    DiskCopier.chunks(image.extents(), image.virtualSize())).length();
            // A channel that cannot seek: only sequential writes reach the file.
            java.nio.channels.WritableByteChannel sequential = java.nio.channels.Channels.newChannel(
                    java.nio.channels.Channels.newOutputStream(out));
            new DiskCopier(2).copyInOrder(image, new Qcow2StreamWriter(sequential), n -> {});
        }
        assertThat(java.nio.file.Files.size(streamed)).isEqualTo(planned);
        QemuImg.require("check", streamed.toString());
        assertThat(QemuImg.compare(raw, streamed).exitCode()).as("qemu-img compare").isZero();
    }

    @Test
    void anOrderedCopyStopsAtTheFirstBadChunkAndHandsOverNothingUnread() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        java.util.List<Long> received = new java.util.ArrayList<>();
        DiskCopier.OrderedSink recorder = new DiskCopier.OrderedSink() {
            @Override
            public void begin(long virtualSize, java.util.List<Extent> chunks) {}

            @Override
            public void write(long offset, java.nio.ByteBuffer data) {
                received.add(offset);
            }

            @Override
            public void complete() {
                throw new AssertionError("a failed copy must not complete its sink");
            }
        };
        try (DiskImage image = DiskImages.open(vmdk)) {
            long failAt = DiskCopier.chunks(image.extents(), image.virtualSize()).get(3).offset();
            DiskImage failing = new DiskImage() {
                public String format() { return image.format(); }
                public long virtualSize() { return image.virtualSize(); }
                public java.util.List<Extent> extents() throws IOException { return image.extents(); }
                public void close() {}
                public void read(long offset, java.nio.ByteBuffer dst) throws IOException {
                    if (offset == failAt) {
                        throw new IOException("read failed on purpose at " + offset);
                    }
                    image.read(offset, dst);
                }
            };
            assertThatThrownBy(() -> new DiskCopier(2).copyInOrder(failing, recorder, n -> {}))
                    .hasMessageContaining("failed on purpose");
            assertThat(received).hasSizeLessThanOrEqualTo(3).isSorted().allMatch(o -> o < failAt);
        }
    }

    @Test
    void sparseVmdkReportsOnlyItsAllocatedGrains() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        try (DiskImage image = DiskImages.open(vmdk)) {
            assertThat(image.format()).isEqualTo("vmdk-stream");
            // 3 MiB + 2 MiB + one or two 64 KiB grains per small run: far below the 64 MiB virtual size.
            assertThat(image.allocatedBytes()).isBetween(5 * MIB, 6 * MIB);
        }
    }

    @Test
    void truncatedStreamOptimizedIsReportedAsTruncated() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertThatThrownBy(() -> DiskImages.open(vmdk).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("truncated");
    }

    /**
     * Rewrites a qemu-made streamOptimized VMDK the way VMware writes them: the header's grain directory offset
     * is "at the end" (-1), and the file ends with a footer marker, a footer (the header with the real offset)
     * and an end-of-stream marker.
     */
    private static void moveGrainDirectoryToFooter(Path vmdk) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            byte[] header = new byte[512];
            file.readFully(header);
            byte[] marker = new byte[512];
            marker[12] = 3; // marker type: footer
            file.seek(file.length());
            file.write(marker);
            file.write(header);
            file.write(new byte[512]); // end-of-stream marker
            file.seek(56);
            file.writeLong(-1L);
        }
    }

    @Test
    void aVmwareStyleStreamWithItsGrainDirectoryInTheFooterReads() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        moveGrainDirectoryToFooter(vmdk);
        Path converted = dir.resolve("out.img");
        try (DiskImage image = DiskImages.open(vmdk)) {
            new DiskCopier(2).copy(image, DiskFormat.RAW.create(converted, image.virtualSize()), n -> {});
        }
        assertThat(QemuImg.compare(raw, converted).exitCode()).isZero();
    }

    @Test
    void badMagicInTheStreamFooterIsCorrupt() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        moveGrainDirectoryToFooter(vmdk);
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            file.seek(file.length() - 1024);
            file.write(new byte[] {'X', 'X', 'X', 'X'});
        }
        assertThatThrownBy(() -> DiskImages.open(vmdk).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("bad magic in the footer");
    }

    @Test
    void aSnapshotDeltaIsRefusedRatherThanReadAsADiskOfHoles() throws Exception {
        Path base = dir.resolve("base.vmdk");
        QemuImg.toVmdk(raw, base, "monolithicSparse");
        Path child = dir.resolve("child.vmdk");
        QemuImg.require("create", "-q", "-f", "vmdk", "-b", base.toString(), "-F", "vmdk", child.toString());
        assertThatThrownBy(() -> DiskImages.open(child).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("snapshot delta");
    }

    @Test
    void aDescriptorCannotReachFilesOutsideItsFolder() throws Exception {
        Path descriptor = dir.resolve("escape.vmdk");
        java.nio.file.Files.writeString(descriptor, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
                + "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\nRW 8 FLAT \"" + raw.toAbsolutePath() + "\" 0\n");
        assertThatThrownBy(() -> DiskImages.open(descriptor).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("points outside its package");
    }

    @Test
    void grainDirectoryPastTheEndIsCorrupt() throws Exception {
        Path vmdk = dir.resolve("sparse.vmdk");
        QemuImg.toVmdk(raw, vmdk, "monolithicSparse");
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            file.seek(56); // the grain directory offset: point it far past the end
            file.write(new byte[] {0, 0, 0, 0x7f, 0, 0, 0, 0});
        }
        assertThatThrownBy(() -> DiskImages.open(vmdk).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("past the end of the file");
    }

    @Test
    void grainTableEntryPastTheEndIsCorrupt() throws Exception {
        Path vmdk = dir.resolve("sparse.vmdk");
        QemuImg.toVmdk(raw, vmdk, "monolithicSparse");
        long gtSector;
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            file.seek(56);
            long gdSector = Long.reverseBytes(file.readLong());
            file.seek(gdSector * 512);
            gtSector = Integer.toUnsignedLong(Integer.reverseBytes(file.readInt()));
            file.seek(gtSector * 512); // first grain's entry
            file.writeInt(Integer.reverseBytes(0x7fffff00));
        }
        assertThatThrownBy(() -> DiskImages.open(vmdk).close())
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("grain 0")
                .hasMessageContaining("past the end of the file");
    }

    @Test
    void badDeflateStreamIsCorruptAndLeavesNoOutput() throws Exception {
        Path vmdk = dir.resolve("stream.vmdk");
        QemuImg.toVmdk(raw, vmdk, "streamOptimized");
        long firstGrain;
        try (DiskImage image = DiskImages.open(vmdk)) {
            firstGrain = image.extents().get(0).offset();
        }
        assertThat(firstGrain).isZero();
        try (RandomAccessFile file = new RandomAccessFile(vmdk.toFile(), "rw")) {
            // qemu-img puts the first grain right after the header and descriptor; find its marker (lba 0).
            long at = findFirstGrainMarker(file);
            file.seek(at + 12);
            file.write(new byte[] {0x00, 0x00, (byte) 0xff, (byte) 0xff, 0x12, 0x34});
        }
        Path converted = dir.resolve("out.img");
        assertThatThrownBy(() -> {
            try (DiskImage image = DiskImages.open(vmdk); DiskWriter writer = DiskFormat.RAW.create(converted, VIRTUAL)) {
                new DiskCopier(2).copy(image, writer, n -> {});
            }
        }).isInstanceOf(CorruptImageException.class).hasMessageContaining("deflate");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("out"));
    }

    @Test
    void truncatedQcow2IsReportedAsTruncated() throws Exception {
        Path qcow2 = convertWithQemu(raw, "cut.qcow2");
        try (RandomAccessFile file = new RandomAccessFile(qcow2.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertThatThrownBy(() -> {
            try (DiskImage image = DiskImages.open(qcow2); DiskWriter writer = DiskFormat.RAW.create(dir.resolve("o.img"), VIRTUAL)) {
                new DiskCopier(2).copy(image, writer, n -> {});
            }
        }).isInstanceOf(CorruptImageException.class).hasMessageContaining("truncated");
    }

    /** The first sector after the descriptor whose marker says lba 0 and a plausible size. */
    private static long findFirstGrainMarker(RandomAccessFile file) throws IOException {
        for (long sector = 1; sector < 4096; sector++) {
            file.seek(sector * 512);
            long lba = Long.reverseBytes(file.readLong());
            int size = Integer.reverseBytes(file.readInt());
            int zlibHeader = file.readUnsignedByte();
            if (lba == 0 && size > 0 && size < 70000 && zlibHeader == 0x78) {
                return sector * 512;
            }
        }
        throw new AssertionError("no grain marker found");
    }
}
