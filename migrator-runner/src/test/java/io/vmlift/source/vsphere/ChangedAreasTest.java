package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.disk.Extent;
import io.vmlift.model.Serialization;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The QueryChangedDiskAreas delta logic on change sets in the shape of vSphere's DiskChangeInfo answers
 * (src/test/resources/vsphere/change-sets; written for these cases, not recorded from a vCenter, which cannot run
 * here), and a byte-level check that the merged areas carry every changed byte.
 */
class ChangedAreasTest {
    @TempDir
    Path dir;

    private static JsonNode changeSet(String name) throws IOException {
        return Serialization.json().readTree(ChangedAreasTest.class.getResourceAsStream(
                "/vsphere/change-sets/" + name + ".json"));
    }

    /** Plays the recorded answers in order, checking each is asked for where the previous one ended. */
    private static List<Extent> replay(JsonNode set) throws IOException {
        AtomicInteger next = new AtomicInteger();
        return ChangedAreas.collect(offset -> {
            JsonNode answer = set.path("answers").get(next.getAndIncrement());
            if (answer == null) {
                throw new IOException("asked more often than the change set answers");
            }
            List<Extent> areas = new ArrayList<>();
            for (JsonNode area : answer.path("changedArea")) {
                areas.add(new Extent(area.path("start").asLong(), area.path("length").asLong()));
            }
            return new ChangedAreas.Window(answer.path("startOffset").asLong(), answer.path("length").asLong(), areas);
        }, set.path("capacity").asLong(), "test disk");
    }

    @ParameterizedTest
    @ValueSource(strings = {"one-window", "windows", "unsorted-overlapping"})
    void answersBecomeSortedMergedExtents(String name) throws IOException {
        JsonNode set = changeSet(name);
        List<Extent> expected = new ArrayList<>();
        for (JsonNode pair : set.path("expected")) {
            expected.add(new Extent(pair.get(0).asLong(), pair.get(1).asLong()));
        }
        assertThat(replay(set)).as(set.path("description").asText()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gap", "outside"})
    void answersThatDoNotAddUpAreRefused(String name) throws IOException {
        JsonNode set = changeSet(name);
        assertThatThrownBy(() -> replay(set)).isInstanceOf(IOException.class)
                .hasMessageContaining(set.path("error").asText()).hasMessageContaining("test disk");
    }

    @Test
    void copyingTheMergedAreasOverThePrecopyGivesTheNewDisk() throws Exception {
        long size = 32L << 20;
        Path before = TestDisks.raw(dir.resolve("before.raw"), size, 3, 0, 4 << 20, 9 << 20, 2 << 20);
        Path after = dir.resolve("after.raw");
        Files.copy(before, after);
        Random random = new Random(9);
        List<Extent> writes = List.of(new Extent(100, 5000), new Extent(3000, 70_000), new Extent(8L << 20, 1 << 20),
                new Extent((9L << 20) - 1, 2), new Extent(size - 4096, 4096));
        try (RandomAccessFile file = new RandomAccessFile(after.toFile(), "rw")) {
            for (Extent write : writes) {
                byte[] data = new byte[(int) write.length()];
                random.nextBytes(data);
                file.seek(write.offset());
                file.write(data);
            }
        }
        // CBT reports each write, in 8 MiB windows, as a vCenter would.
        long window = 8L << 20;
        List<Extent> merged = ChangedAreas.collect(offset -> {
            List<Extent> inWindow = new ArrayList<>();
            for (Extent write : writes) {
                long from = Math.max(write.offset(), offset);
                long to = Math.min(write.end(), offset + window);
                if (from < to) {
                    inWindow.add(new Extent(from, to - from));
                }
            }
            return new ChangedAreas.Window(offset, Math.min(window, size - offset), inWindow);
        }, size, "test disk");

        Path patched = dir.resolve("patched.raw");
        Files.copy(before, patched);
        try (RandomAccessFile source = new RandomAccessFile(after.toFile(), "r");
                RandomAccessFile target = new RandomAccessFile(patched.toFile(), "rw")) {
            for (Extent area : merged) {
                byte[] data = new byte[(int) area.length()];
                source.seek(area.offset());
                source.readFully(data);
                target.seek(area.offset());
                target.write(data);
            }
        }
        assertThat(QemuImg.compare(after, patched).exitCode()).isZero();
        assertThat(merged).hasSizeLessThan(writes.size()); // overlapping and touching writes were merged
    }
}
