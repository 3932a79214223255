package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VirtualMachinePowerState;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.ManualClock;
import java.time.Duration;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimAdmin;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm migration that vmlift copies itself, into raw images: a precopy of the disk frozen by a snapshot while
 * the VM runs, then, at the cutover, only what changed. The guest's writes are played by the test, which
 * rewrites ranges of the disk's flat file on the datastore after the precopy and reports exactly those ranges
 * as changed through the simulator's QueryChangedDiskAreas (vcsim has none; our main answers from a file).
 */
class VsphereWarmTest {
    private static final long MiB = 1024 * 1024;
    private static final long SIZE = 40 * MiB;
    private static final String VM = "DC0_H0_VM0";

    @TempDir
    static Path shared;

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.of(Vcsim.builder()
            .changedAreasFrom(Path.of(System.getProperty("java.io.tmpdir"), "vmlift-warm-" + ProcessHandle.current().pid()
                    + ".json")));

    static VcsimAdmin admin;

    @AfterAll
    static void logout() throws Exception {
        if (admin != null) {
            admin.close();
        }
        Files.deleteIfExists(changeSetFile());
    }

    private static Path changeSetFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "vmlift-warm-" + ProcessHandle.current().pid() + ".json");
    }

    @Test
    void thePrecopyAndTheChangedAreasMakeTheDiskAsItWasAtCutover() throws Exception {
        admin = new VcsimAdmin(VCSIM.vcsim());
        Vcsim vcsim = VCSIM.vcsim();
        Path before = TestDisks.raw(shared.resolve("before.raw"), SIZE, 11, 0, 6 * MiB, 20 * MiB, 4 * MiB);
        Path after = shared.resolve("after.raw");
        Files.copy(before, after);
        // What the guest writes between precopy and cutover: some inside data, some in holes, one unaligned.
        long[][] writes = {{MiB, 512 * 1024}, {12 * MiB + 4096, 3 * MiB}, {SIZE - MiB, MiB}, {21 * MiB + 7, 100}};
        Random random = new Random(5);
        try (RandomAccessFile file = new RandomAccessFile(after.toFile(), "rw")) {
            for (long[] write : writes) {
                byte[] data = new byte[(int) write[1]];
                random.nextBytes(data);
                file.seek(write[0]);
                file.write(data);
            }
        }
        // ESXi's layout: a descriptor and a flat extent; the flat file is what the guest's writes change.
        String diskFile = admin.firstDiskFile(VM);
        String path = diskFile.substring(diskFile.indexOf(']') + 1).trim();
        String folder = path.substring(0, path.lastIndexOf('/') + 1);
        String flatName = path.substring(path.lastIndexOf('/') + 1).replace(".vmdk", "-flat.vmdk");
        QemuImg.toVmdk(before, shared.resolve("made.vmdk"), "monolithicFlat");
        Path descriptor = Files.writeString(shared.resolve("descriptor.vmdk"),
                Files.readString(shared.resolve("made.vmdk")).replace("made-flat.vmdk", flatName));
        vcsim.putFile("DC0", "LocalDS_0", path, descriptor);
        vcsim.putFile("DC0", "LocalDS_0", folder + flatName, before);
        admin.setFirstDiskCapacity(VM, SIZE);
        admin.enableChangeTracking(VM);
        String diskKey = admin.firstDiskKey(VM);
        String vmId = admin.vm(VM).getMOR().getVal();

        Path documents = Files.createDirectories(shared.resolve("documents"));
        VsphereDocuments vsphere = VsphereDocuments.forSimulator(vcsim).migrationType("warm");
        vsphere.writeProviders(documents);
        vsphere.writePlan(documents, "warm-wave", VM);
        Path out = shared.resolve("out");
        // The engine's time stops short of the cutover until the test has changed the source.
        Instant cutover = Instant.now().plusSeconds(3600);
        ManualClock clock = new ManualClock(Instant.now(), cutover);
        CompletableFuture<Cli.Run> migration = CompletableFuture.supplyAsync(() -> Cli.runWith(clock, "migrate", "-f",
                documents, "--output-dir", out, "--disk-format", "raw", "--progress", "plain",
                "--power-off-timeout", "2", "--cutover", cutover.toString()));

        // Once the precopy is done, the guest "writes", and CBT reports exactly those areas (in 8 MiB windows).
        Path record = out.resolve("warm-wave.status.json");
        boolean waiting = clock.awaitWaitingAtGate(Duration.ofSeconds(60));
        assertThat(waiting).as("the precopy ends and the cutover waits: %s",
                migration.isDone() ? migration.join() : "still running").isTrue();
        assertThat(migration).isNotDone();
        assertThat(Files.readString(record)).contains("\"CopyingPaused\"");
        vcsim.putFile("DC0", "LocalDS_0", folder + flatName, after);
        StringBuilder areas = new StringBuilder();
        for (long[] write : writes) {
            areas.append(areas.length() == 0 ? "" : ",").append("[").append(write[0]).append(",").append(write[1])
                    .append("]");
        }
        Files.writeString(changeSetFile(), "{\"window\": " + 8 * MiB + ", \"disks\": {\"" + vmId + "/" + diskKey
                + "\": {\"capacity\": " + SIZE + ", \"areas\": [" + areas + "]}}}");

        clock.openGate();
        Cli.Run run = migration.get(120, TimeUnit.SECONDS);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("CreateSnapshot").contains("CopyingPaused").contains("Finalize");
        Path image = out.resolve("migrated/dc0-h0-vm0/dc0-h0-vm0-disk-0.img");
        assertThat(QemuImg.compare(after, image).exitCode()).as("the disk as at cutover").isZero();
        assertThat(QemuImg.compare(before, image).exitCode()).as("not the precopy alone").isNotZero();
        assertThat(vcsim.log()).contains("changed areas of " + vmId + "/" + diskKey + " from " + 8 * MiB);
        assertThat(admin.vm(VM).getSnapshot()).as("vmlift's snapshot is removed").isNull();
        assertThat(admin.powerState(VM)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(Serialization.json().readTree(record.toFile()).path("phase").asText()).isEqualTo("Succeeded");
    }
}
