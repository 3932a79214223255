package io.vmlift.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.disk.DiskFormat;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a copy, for real: vmlift runs in its own JVM and is killed with SIGKILL once its copy
 * checkpointed, so no shutdown hook, no finally and no close runs. The rerun goes on from the checkpoint and
 * the image is the source's disk as qemu-img reads both.
 */
class KillResumeTest {
    private static final int MIB = 1024 * 1024;
    private static final long SIZE = 160L * MIB;

    @TempDir
    Path dir;

    @Test
    void aMigrationKilledMidCopyResumesFromTheCheckpointAndEndsWithTheSourcesBytes() throws Exception {
        Path raw = dir.resolve("disk.raw");
        try (OutputStream out = Files.newOutputStream(raw)) {
            Random random = new Random(3); // incompressible: every byte is copied
            byte[] block = new byte[MIB];
            for (long at = 0; at < SIZE; at += MIB) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Path share = Files.createDirectories(dir.resolve("share/big-vm"));
        QemuImg.toVmdk(raw, share.resolve("big-vm-disk1.vmdk"), "monolithicSparse");
        Files.writeString(share.resolve("big-vm.ovf"), ovf(Files.size(share.resolve("big-vm-disk1.vmdk"))));
        Path docs = io.vmlift.testing.OvaShare.plan(dir, dir.resolve("share"), "big-vm", "wave", null);

        Path out = dir.resolve("out");
        Path image = out.resolve("wave/big-vm/big-vm-disk-0.qcow2");
        Path partial = image.resolveSibling(image.getFileName() + DiskFormat.PARTIAL_SUFFIX);
        Path journal = DiskFormat.journalOf(partial);
        // Paced, so that the kill comes while most of the disk is still to copy.
        Process first = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.vmlift.cli.Vmlift", "migrate", "-f", docs.toString(),
                "--output-dir", out.toString(), "--max-copy-rate", "40", "--progress", "none")
                .redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(journal) && Files.readAllLines(journal).size() >= 2)) {
            assertThat(first.isAlive()).as("the first run is still copying: %s",
                    Files.exists(dir.resolve("first.log")) ? Files.readString(dir.resolve("first.log")) : "").isTrue();
            assertThat(System.nanoTime()).as("a checkpoint within a minute").isLessThan(deadline);
            Thread.sleep(20);
        }
        first.destroyForcibly(); // SIGKILL
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(137);
        assertThat(image).doesNotExist();
        assertThat(partial).exists();
        assertThat(Serialization.json().readTree(out.resolve("wave.status.json").toFile()).path("phase").asText())
                .isEqualTo("Running");

        Cli.Run rerun = Cli.run("migrate", "-f", docs, "--output-dir", out, "--progress", "plain");
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        String resumed = rerun.err().lines().filter(l -> l.contains("resumed from its checkpoint")).findFirst()
                .orElseThrow(() -> new AssertionError("no resume in " + rerun.err()));
        long resumedBytes = Long.parseLong(resumed.replaceAll(".*checkpoint: (\\d+) of.*", "$1"));
        assertThat(resumedBytes).isGreaterThan(0).isLessThan(SIZE);
        assertThat(QemuImg.compare(raw, image).exitCode()).as("the disk as at the source").isZero();
        QemuImg.Outcome check = QemuImg.run("check", image.toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(partial).doesNotExist();
        assertThat(journal).doesNotExist();
        assertThat(List.of(Files.list(image.getParent()).map(p -> p.getFileName().toString()).sorted().toArray()))
                .containsExactly("big-vm-disk-0.qcow2", "datavolumes.yaml", "virtualmachine.yaml");
    }

    /** The one-disk package the many-VMs benchmark makes too (src/test/resources/ovf/one-disk-vm.ovf). */
    private static String ovf(long fileSize) throws IOException {
        try (var template = KillResumeTest.class.getResourceAsStream("/ovf/one-disk-vm.ovf")) {
            return new String(template.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("@NAME@", "big-vm").replace("@FILE_SIZE@", Long.toString(fileSize))
                    .replace("@CAPACITY@", Long.toString(SIZE)).replace("@SUBFORMAT@", "sparse")
                    .replace("@MAC@", "00:50:56:00:00:01");
        }
    }
}
