package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VirtualMachinePowerState;
import io.vmlift.testing.Cli;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimAdmin;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong at a vCenter during a migration. This simulator refuses to power off DC0_H0_VM0 and cuts every
 * third datastore download after 64 KiB of real data.
 */
class VsphereFaultsTest {
    private static final long MiB = 1024 * 1024;
    private static final String REFUSES_POWER_OFF = "DC0_H0_VM0";
    private static final String ALREADY_OFF = "DC0_H0_VM1";
    private static final String BEHIND_A_BAD_LINK = "DC0_C0_RP0_VM0";

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.of(Vcsim.builder().refusePowerOff(REFUSES_POWER_OFF)
            .cutEveryNthDownload(3));

    @TempDir
    static Path dir;
    static VcsimAdmin admin;

    @BeforeAll
    static void realDisks() throws Exception {
        admin = new VcsimAdmin(VCSIM.vcsim());
        for (String vm : new String[] {REFUSES_POWER_OFF, ALREADY_OFF, BEHIND_A_BAD_LINK}) {
            long size = vm.equals(BEHIND_A_BAD_LINK) ? 48 * MiB : 4 * MiB;
            Path raw = TestDisks.raw(dir.resolve(vm + ".raw"), size, vm.hashCode(), 0, size / 2, size - MiB, MiB);
            admin.putFirstDisk(VCSIM.vcsim(), vm, raw, size);
        }
    }

    @AfterAll
    static void logout() {
        if (admin != null) {
            admin.close();
        }
    }

    private Path documents(String name, String... vms) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        VsphereDocuments documents = VsphereDocuments.forSimulator(VCSIM.vcsim());
        documents.writeProviders(folder);
        documents.writePlan(folder, name, vms);
        return folder;
    }

    @Test
    void refusedPowerOffFailsWithExit5AndLeavesTheSourceRunningAndTheTargetEmpty() throws Exception {
        Path documents = documents("refused", REFUSES_POWER_OFF);
        Path out = dir.resolve("refused-out");
        Cli.Run run = Cli.run("migrate", "-f", documents, "--output-dir", out, "--progress", "plain",
                "--power-off-timeout", "1");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
        assertThat(run.out() + run.err()).contains("refused to power off VM " + REFUSES_POWER_OFF);
        assertThat(admin.powerState(REFUSES_POWER_OFF)).isEqualTo(VirtualMachinePowerState.poweredOn);
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.filter(f -> f.toString().matches(".*\\.(qcow2|img|partial)$"))).isEmpty();
        }
    }

    @Test
    void aVmAlreadyOffMigratesAndStaysOff() throws Exception {
        admin.powerOff(ALREADY_OFF);
        Path documents = documents("already-off", ALREADY_OFF);
        Path out = dir.resolve("already-off-out");
        Cli.Run run = Cli.run("migrate", "-f", documents, "--output-dir", out, "--progress", "plain");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(admin.powerState(ALREADY_OFF)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(QemuImg.compare(dir.resolve(ALREADY_OFF + ".raw"),
                out.resolve("migrated/dc0-h0-vm1/dc0-h0-vm1-disk-0.qcow2")).exitCode()).isZero();
    }

    @Test
    void downloadsCutMidwayResumeFromTheLastByteAndTheCopyIsExact() throws Exception {
        Path documents = documents("bad-link", BEHIND_A_BAD_LINK);
        Path out = dir.resolve("bad-link-out");
        Cli.Run run = Cli.run("migrate", "-f", documents, "--output-dir", out, "--progress", "plain");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(VCSIM.vcsim().log()).contains("cut download");
        assertThat(QemuImg.compare(dir.resolve(BEHIND_A_BAD_LINK + ".raw"),
                out.resolve("migrated/dc0-c0-rp0-vm0/dc0-c0-rp0-vm0-disk-0.qcow2")).exitCode()).isZero();
    }

    @Test
    void aVmTheSourceDoesNotHaveIsBadInputNamingIt() throws Exception {
        Path documents = documents("unknown", "No_Such_VM");
        Cli.Run run = Cli.run("migrate", "-f", documents, "--output-dir", dir.resolve("unknown-out"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("VMNotFound (No_Such_VM)").contains("plan.yaml:");
    }
}
