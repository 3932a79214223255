package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.vmware.vim25.VirtualMachinePowerState;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold migration from the vSphere simulator into the manifests target, through the CLI as a pipeline runs it.
 * The simulator's own disk files are empty, so real VMDKs made by qemu-img are put onto its datastore first:
 * one monolithicSparse (a single file) and one descriptor plus flat extent (how ESXi stores disks).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VsphereMigrationTest {
    private static final long MiB = 1024 * 1024;
    private static final long SIZE = 64 * MiB;
    private static final String SPARSE_VM = "DC0_C0_RP0_VM0";
    private static final String FLAT_VM = "DC0_C0_RP0_VM1";

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.withDefaults();

    @TempDir
    static Path dir;
    static Path documents;
    static Path sparseRaw;
    static Path flatRaw;
    static VcsimAdmin admin;

    @BeforeAll
    static void putRealDisks() throws Exception {
        Vcsim vcsim = VCSIM.vcsim();
        admin = new VcsimAdmin(vcsim);
        sparseRaw = TestDisks.raw(dir.resolve("sparse.raw"), SIZE, 1, 0, 3 * MiB, 20 * MiB + 512, 5 * MiB,
                SIZE - 64 * 1024, 64 * 1024);
        flatRaw = TestDisks.raw(dir.resolve("flat.raw"), SIZE, 2, 7 * MiB, 9 * MiB, 40 * MiB, 2 * MiB);
        Path sparseVmdk = dir.resolve("sparse.vmdk");
        QemuImg.toVmdk(sparseRaw, sparseVmdk, "monolithicSparse");
        put(vcsim, SPARSE_VM, sparseVmdk, null);
        Path flatVmdk = dir.resolve("flat.vmdk");
        QemuImg.toVmdk(flatRaw, flatVmdk, "monolithicFlat");
        put(vcsim, FLAT_VM, flatVmdk, dir.resolve("flat-flat.vmdk"));
        for (String vm : new String[] {SPARSE_VM, FLAT_VM}) {
            admin.setFirstDiskCapacity(vm, SIZE);
        }
        documents = Files.createDirectories(dir.resolve("documents"));
        VsphereDocuments.forSimulator(vcsim).writeProviders(documents);
        VsphereDocuments.forSimulator(vcsim).writePlan(documents, "wave-1", SPARSE_VM, FLAT_VM);
    }

    /** Replaces the VM's empty disk file with a real image; a flat image's descriptor is rewritten to its new name. */
    private static void put(Vcsim vcsim, String vm, Path vmdk, Path extent) throws Exception {
        String file = admin.firstDiskFile(vm); // "[LocalDS_0] VM/disk1.vmdk"
        String path = file.substring(file.indexOf(']') + 1).trim();
        if (extent == null) {
            vcsim.putFile("DC0", "LocalDS_0", path, vmdk);
            return;
        }
        String extentName = path.substring(path.lastIndexOf('/') + 1).replace(".vmdk", "-flat.vmdk");
        Path descriptor = dir.resolve(vm + ".vmdk");
        Files.writeString(descriptor, Files.readString(vmdk).replace(extent.getFileName().toString(), extentName));
        vcsim.putFile("DC0", "LocalDS_0", path, descriptor);
        vcsim.putFile("DC0", "LocalDS_0", path.substring(0, path.lastIndexOf('/') + 1) + extentName, extent);
    }

    @AfterAll
    static void logout() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    @Order(1)
    void planIsBlockedWhileTwoVmsShareAMacAndPassesOnceOneIsChanged() throws Exception {
        // vcsim gives every VM the same MAC: two of them on one target network would clash.
        Cli.Run blocked = Cli.run("plan", "-f", documents);
        assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(3);
        assertThat(blocked.out() + blocked.err()).contains("MacConflicts");

        admin.setFirstMac(FLAT_VM, "00:50:56:aa:bb:01");
        Cli.Run ok = Cli.run("plan", "-f", documents, "-o", "json");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        JsonNode result = Serialization.json().readTree(ok.out());
        assertThat(result.toString()).contains("vmware.changed_block_tracking.disabled");
    }

    @Test
    @Order(2)
    void coldMigrationCopiesTheBytesAndLeavesTheSourceOff() throws Exception {
        assertThat(admin.powerState(SPARSE_VM)).isEqualTo(VirtualMachinePowerState.poweredOn);
        Path out = dir.resolve("out");
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--output-dir", out, "--progress", "plain",
                "--power-off-timeout", "5");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();

        assertThat(admin.powerState(SPARSE_VM)).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(admin.powerState(FLAT_VM)).isEqualTo(VirtualMachinePowerState.poweredOff);
        Path sparseImage = out.resolve("migrated/dc0-c0-rp0-vm0/dc0-c0-rp0-vm0-disk-0.qcow2");
        Path flatImage = out.resolve("migrated/dc0-c0-rp0-vm1/dc0-c0-rp0-vm1-disk-0.qcow2");
        assertThat(QemuImg.compare(sparseRaw, sparseImage).exitCode()).isZero();
        assertThat(QemuImg.compare(flatRaw, flatImage).exitCode()).isZero();
        String vmYaml = Files.readString(out.resolve("migrated/dc0-c0-rp0-vm1/virtualmachine.yaml"));
        assertThat(vmYaml).contains("00:50:56:aa:bb:01");

        Cli.Run test = Cli.run("test", "-f", documents, "--output-dir", out, "--junit", dir.resolve("junit.xml"));
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(Files.readString(dir.resolve("junit.xml"))).contains("dc0-c0-rp0-vm0").doesNotContain("<failure");
    }
}
