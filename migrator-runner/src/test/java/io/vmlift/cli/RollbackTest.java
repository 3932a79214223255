package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.vmware.vim25.VirtualMachinePowerState;
import io.vmlift.engine.FileStateStore;
import io.vmlift.engine.StateStore;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimAdmin;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vmlift rollback` after a failed gate, against the vSphere simulator: the source gets back the power vmlift
 * took, what the plan made in the folder goes (or stays, halted), the record says so, and a rerun is harmless.
 * One VM of this simulator refuses every power-on, as a user without VirtualMachine.Interact.PowerOn meets.
 */
class RollbackTest {
    private static final long MiB = 1024 * 1024;
    private static final String RUNNING = "DC0_H0_VM0";
    private static final String REFUSES_POWER_ON = "DC0_H0_VM1";
    private static final String OTHER = "DC0_C0_RP0_VM0";

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.of(Vcsim.builder().refusePowerOn(REFUSES_POWER_ON));

    @TempDir
    static Path dir;
    static VcsimAdmin admin;
    static final Map<String, Path> raws = new HashMap<>();

    @BeforeAll
    static void realDisks() throws Exception {
        admin = new VcsimAdmin(VCSIM.vcsim());
        for (String vm : new String[] {RUNNING, REFUSES_POWER_ON, OTHER}) {
            long size = 4 * MiB;
            Path raw = TestDisks.raw(dir.resolve(vm + ".raw"), size, vm.hashCode(), 0, MiB, size - MiB, MiB);
            raws.put(vm, raw);
            admin.putFirstDisk(VCSIM.vcsim(), vm, raw, size);
        }
    }

    @AfterAll
    static void logout() {
        if (admin != null) {
            admin.close();
        }
    }

    private static Path documents(String plan, String vm) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(plan));
        VsphereDocuments documents = VsphereDocuments.forSimulator(VCSIM.vcsim());
        documents.writeProviders(folder);
        documents.writePlan(folder, plan, vm);
        return folder;
    }

    private static JsonNode record(Path out, String plan) throws Exception {
        return Serialization.json().readTree(out.resolve(plan + ".status.json").toFile());
    }

    private static void migrate(Path documents, Path out) {
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--output-dir", out, "--progress", "none",
                "--power-off-timeout", "5");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
    }

    @Test
    void rollbackPowersTheSourceBackOnRemovesTheTargetAndARerunChangesNothing() throws Exception {
        Path documents = documents("wave-a", RUNNING);
        Path out = dir.resolve("wave-a-out");
        Path vmFolder = out.resolve("migrated/dc0-h0-vm0");
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOn);
        migrate(documents, out);
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(vmFolder.resolve("virtualmachine.yaml")).exists();

        Cli.Run rollback = Cli.run("rollback", "-f", documents, "--output-dir", out, "--results-dir",
                dir.resolve("wave-a-results"));
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOn);
        assertThat(vmFolder).doesNotExist();
        JsonNode record = record(out, "wave-a");
        assertThat(record.path("phase").asText()).isEqualTo("RolledBack");
        JsonNode vm = record.path("vms").get(0);
        assertThat(vm.path("phase").asText()).isEqualTo("RolledBack");
        assertThat(vm.path("rollback").path("done").toString()).contains("powered back on").contains("removed");
        assertThat(vm.path("rollback").path("notDone").size()).isZero();
        assertThat(vm.path("poweredOffByVmlift").asBoolean()).isFalse();
        assertThat(Files.readString(dir.resolve("wave-a-results/rollback-status"))).isEqualTo("RolledBack");
        assertThat(Files.readString(dir.resolve("wave-a-results/rolled-back-vms"))).contains("dc0-h0-vm0");

        // A rerun asks what exists: the source runs and the target is empty, so it does nothing more.
        admin.powerOff(RUNNING); // the owner turned it off since: not vmlift's to turn on again
        Cli.Run again = Cli.run("rollback", "-f", documents, "--output-dir", out);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(record(out, "wave-a").path("vms").get(0).path("rollback").path("done").toString())
                .doesNotContain("powered back on");
        admin.powerOn(RUNNING);

        // The plan migrates again after a rollback, afresh, and --keep-target halts the VM and keeps its disk.
        migrate(documents, out);
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOff);
        // A finally step over every wave: this one succeeded, so --if-failed leaves it.
        Cli.Run ifFailed = Cli.run("rollback", "-f", documents, "--output-dir", out, "--if-failed");
        assertThat(ifFailed.exitCode()).as(ifFailed.toString()).isZero();
        assertThat(ifFailed.err()).contains("succeeded: nothing to roll back");
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(vmFolder.resolve("virtualmachine.yaml")).exists();
        Cli.Run keep = Cli.run("rollback", "-f", documents, "--output-dir", out, "--keep-target");
        assertThat(keep.exitCode()).as(keep.toString()).isZero();
        assertThat(admin.powerState(RUNNING)).isEqualTo(VirtualMachinePowerState.poweredOn);
        JsonNode kept = Serialization.yaml().readTree(vmFolder.resolve("virtualmachine.yaml").toFile());
        assertThat(kept.path("spec").path("runStrategy").asText()).isEqualTo("Halted");
        assertThat(QemuImg.compare(raws.get(RUNNING), vmFolder.resolve("dc0-h0-vm0-disk-0.qcow2")).exitCode())
                .isZero();
        assertThat(record(out, "wave-a").path("vms").get(0).path("rollback").path("targetKept").asBoolean()).isTrue();
    }

    @Test
    void aSourceThatCannotBePoweredOnIsExit5AndItsCopyIsKept() throws Exception {
        Path documents = documents("wave-b", REFUSES_POWER_ON);
        Path out = dir.resolve("wave-b-out");
        migrate(documents, out);
        assertThat(admin.powerState(REFUSES_POWER_ON)).isEqualTo(VirtualMachinePowerState.poweredOff);

        for (int run = 1; run <= 2; run++) { // a rerun tries again, and says the same
            Cli.Run rollback = Cli.run("rollback", "-f", documents, "--output-dir", out);
            assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(5);
            assertThat(rollback.err()).contains("1 of 1 VM(s) could not be rolled back")
                    .contains("could not power the source VM back on").doesNotContain("\tat ");
            assertThat(rollback.err().lines().filter(l -> l.startsWith("vmlift:")).count()).isEqualTo(1);
            // The source is off and its only copy is the migrated one: that must not go.
            assertThat(out.resolve("migrated/dc0-h0-vm1/dc0-h0-vm1-disk-0.qcow2")).exists();
            JsonNode vm = record(out, "wave-b").path("vms").get(0);
            assertThat(vm.path("phase").asText()).isEqualTo("Completed");
            assertThat(vm.path("poweredOffByVmlift").asBoolean()).as("still owed").isTrue();
            assertThat(vm.path("rollback").path("notDone").toString()).contains("PowerOn")
                    .contains("left as it is until the source is restored");
            assertThat(record(out, "wave-b").path("phase").asText()).isEqualTo("Failed");
        }
    }

    @Test
    void aPlanThatNeverRanHasNothingToRollBack() throws Exception {
        Path documents = documents("wave-c", OTHER);
        Cli.Run rollback = Cli.run("rollback", "-f", documents, "--output-dir", dir.resolve("wave-c-out"));
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(rollback.err()).contains("nothing to roll back");
        assertThat(admin.powerState(OTHER)).isEqualTo(VirtualMachinePowerState.poweredOn);
    }

    @Test
    void aRollbackWaitsForNoMigrationItRefusesWhileOneHoldsThePlan() throws Exception {
        Path documents = documents("wave-d", OTHER);
        Path out = Files.createDirectories(dir.resolve("wave-d-out"));
        try (StateStore.Lock held = FileStateStore.forPlan(out, "wave-d").lock()) {
            Cli.Run rollback = Cli.run("rollback", "-f", documents, "--output-dir", out);
            assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(5);
            assertThat(rollback.err()).contains("by another run");
        }
    }
}
