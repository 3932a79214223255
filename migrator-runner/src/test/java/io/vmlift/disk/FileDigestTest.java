package io.vmlift.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.testing.TestDisks;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A fresh copy's digest, worked out from its writes, is the digest read from the file it made: the record of a
 * first run and the check of a rerun agree. Where the writes cannot tell (twice-written bytes, a file cut since,
 * more scattered writes than are kept), there is no digest rather than a wrong one.
 */
class FileDigestTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void theCrcOfTwoPartsCombinedIsTheCrcOfBothInOrder() {
        Random random = new Random(16);
        int[] lengths = {0, 1, 3, 8, 4096, 65_537, 1_000_003};
        for (int lengthA : lengths) {
            for (int lengthB : lengths) {
                byte[] a = new byte[lengthA];
                byte[] b = new byte[lengthB];
                random.nextBytes(a);
                random.nextBytes(b);
                CRC32C both = new CRC32C();
                both.update(a);
                both.update(b);
                assertThat(FileDigest.combine(crc(a), crc(b), lengthB)).as("%d then %d bytes", lengthA, lengthB)
                        .isEqualTo((int) both.getValue());
            }
        }
    }

    @Test
    void zerosAfterBytesAreWorkedOutWithoutThem() {
        byte[] head = {7, 0, 42};
        for (int length : new int[] {0, 1, 2, 7, 65_536, 65_537, (int) MIB + 5}) {
            CRC32C both = new CRC32C();
            both.update(head);
            both.update(new byte[length]);
            assertThat(FileDigest.withZeros(crc(head), length)).as("3 bytes, then %d zeros", length)
                    .isEqualTo((int) both.getValue());
            assertThat(FileDigest.withZeros(0, length)).as("%d zeros alone", length).isEqualTo(crc(new byte[length]));
        }
    }

    @ParameterizedTest
    @EnumSource(DiskFormat.class)
    void aFreshCopysDigestIsTheDigestReadFromTheFileItMade(DiskFormat format) throws Exception {
        long virtual = 70 * MIB + 3 * 512; // data, holes and an end that is no whole cluster
        Path raw = TestDisks.raw(dir.resolve("source.raw"), virtual, 11,
                0, 5 * MIB + 100,
                20 * MIB, 30 * MIB,
                60 * MIB + 4097, 3 * MIB,
                virtual - 1024, 1024);
        for (int threads : new int[] {2, 4}) {
            for (boolean resumable : new boolean[] {true, false}) {
                Path image = dir.resolve("out-" + threads + "-" + resumable + format.extension());
                DiskCopier.Result result;
                try (DiskImage source = DiskImages.open(raw); DiskWriter writer = resumable
                        ? format.createResumable(image, virtual) : format.create(image, virtual)) {
                    result = new DiskCopier(threads).copy(source, writer, n -> {});
                }
                assertThat(result.fileDigest()).as("%d threads, resumable %s", threads, resumable).isNotNull()
                        .isEqualTo(FileDigest.read(image)).endsWith(":" + Files.size(image));
            }
        }
    }

    @Test
    void bytesWrittenTwiceCutOffSinceOrTooScatteredGiveNoDigest() {
        ByteBuffer data = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        FileDigest.Writes twice = new FileDigest.Writes();
        twice.add(0, data);
        twice.add(2, data);
        assertThat(twice.digest(8)).isNull();

        FileDigest.Writes once = new FileDigest.Writes();
        once.add(4, data);
        assertThat(once.digest(6)).as("the file is shorter than a write").isNull();
        assertThat(once.digest(8)).as("zeros, then the write")
                .isEqualTo(String.format("crc32c:%08x:8", crc(new byte[] {0, 0, 0, 0, 1, 2, 3, 4})));
        assertThat(data.remaining()).as("noting a write leaves its data to be written").isEqualTo(4);

        FileDigest.Writes scattered = new FileDigest.Writes();
        for (int i = 0; i <= FileDigest.Writes.MOST_PIECES; i++) {
            scattered.add(2L * i, ByteBuffer.wrap(new byte[] {1}));
        }
        assertThat(scattered.digest(2L * FileDigest.Writes.MOST_PIECES + 2)).as("more pieces than are kept").isNull();

        once.forget();
        assertThat(once.digest(8)).as("bytes from elsewhere").isNull();
        once.restart();
        assertThat(once.digest(2)).as("an emptied file, grown to 2 bytes").isEqualTo(
                String.format("crc32c:%08x:2", crc(new byte[2])));
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
