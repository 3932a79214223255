package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceFileBackingInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.VirtualMachine;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimAdmin;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-pass inventory against a per-VM walk with yavijava's own getters (a different code path to the same
 * server), and the vSphere concerns on VMs an administrator reshaped through the API.
 */
class VsphereInventoryTest {
    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.of(Vcsim.builder().datacenters(2).hosts(2).vms(3)
            .portgroups(2).datastores(2));

    @TempDir
    static Path dir;
    static VcsimAdmin admin;

    @BeforeAll
    static void documents() throws Exception {
        admin = new VcsimAdmin(VCSIM.vcsim());
        VsphereDocuments.forSimulator(VCSIM.vcsim()).writeProviders(dir);
    }

    @AfterAll
    static void logout() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void everyVmMatchesWhatYavijavasGettersReadOneByOne() throws Exception {
        Cli.Run run = Cli.run("inventory", "-f", dir, "-o", "json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Map<String, JsonNode> collected = new HashMap<>();
        for (JsonNode vm : Serialization.json().readTree(run.out()).path("vms")) {
            collected.put(vm.path("id").asText(), vm);
        }
        ManagedEntity[] walked = new InventoryNavigator(admin.instance().getRootFolder())
                .searchManagedEntities("VirtualMachine");
        assertThat(collected).hasSize(walked.length).hasSize(2 * (2 + 1) * 3);
        for (ManagedEntity entity : walked) {
            VirtualMachine vm = (VirtualMachine) entity;
            JsonNode mine = collected.get(vm.getMOR().getVal());
            assertThat(mine).as(vm.getName()).isNotNull();
            assertThat(mine.path("name").asText()).isEqualTo(vm.getName());
            assertThat(mine.path("cpus").asInt()).isEqualTo(vm.getConfig().getHardware().getNumCPU());
            assertThat(mine.path("memoryMiB").asLong()).isEqualTo(vm.getConfig().getHardware().getMemoryMB());
            assertThat(mine.path("osType").asText()).isEqualTo(vm.getConfig().getGuestId());
            assertThat(mine.path("details").path("uuid").asText()).isEqualTo(vm.getConfig().getUuid());
            assertThat(mine.path("powerState").asText())
                    .isEqualTo(vm.getRuntime().getPowerState().name().equals("poweredOn") ? "on" : "off");
            List<String> files = new ArrayList<>();
            List<Long> capacities = new ArrayList<>();
            List<String> macs = new ArrayList<>();
            for (VirtualDevice device : vm.getConfig().getHardware().getDevice()) {
                if (device instanceof VirtualDisk disk) {
                    files.add(((VirtualDeviceFileBackingInfo) disk.getBacking()).getFileName());
                    capacities.add(disk.getCapacityInKB() * 1024);
                } else if (device instanceof VirtualEthernetCard nic) {
                    macs.add(nic.getMacAddress().toLowerCase());
                }
            }
            assertThat(mine.path("disks").findValuesAsText("file")).isEqualTo(files);
            assertThat(mine.path("disks").findValues("capacityBytes").stream().map(JsonNode::asLong).toList())
                    .isEqualTo(capacities);
            assertThat(mine.path("nics").findValuesAsText("mac")).isEqualTo(macs);
            assertThat(mine.path("location").asText()).endsWith("/vm/" + vm.getName()).startsWith("/DC");
        }
    }

    @Test
    void snapshotsBlockIndependentDisksWarnAndChangeTrackingSilencesItsWarning() throws Exception {
        admin.snapshot("DC0_H0_VM0", "before-upgrade");
        admin.setDiskMode("DC0_H1_VM0", "independent_persistent");
        admin.enableChangeTracking("DC0_H1_VM1");
        Path documents = Files.createDirectories(dir.resolve("concerns"));
        VsphereDocuments vsphere = VsphereDocuments.forSimulator(VCSIM.vcsim());
        vsphere.writeProviders(documents);
        vsphere.writePlan(documents, "concerns", "DC0_H0_VM0", "DC0_H1_VM0", "DC0_H1_VM1");
        // H1's VMs share a MAC in the simulator; give one its own so only the concerns under test remain.
        admin.setFirstMac("DC0_H1_VM1", "00:50:56:aa:bb:02");

        Cli.Run plan = Cli.run("plan", "-f", documents, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
        Map<String, List<String>> idsByVm = new HashMap<>();
        for (JsonNode concern : Serialization.json().readTree(plan.out()).path("concerns")) {
            idsByVm.computeIfAbsent(concern.path("vm").asText(), k -> new ArrayList<>()).add(concern.path("id").asText()
                    + "/" + concern.path("category").asText());
        }
        assertThat(idsByVm.get("DC0_H0_VM0")).contains("vmware.snapshot.detected/Critical");
        assertThat(idsByVm.get("DC0_H1_VM0")).contains("vmware.disk_mode.independent/Warning")
                .doesNotContain("vmware.snapshot.detected/Critical");
        assertThat(idsByVm.get("DC0_H1_VM0")).contains("vmware.changed_block_tracking.disabled/Warning");
        assertThat(idsByVm.get("DC0_H1_VM1")).noneMatch(id -> id.startsWith("vmware.changed_block_tracking"))
                .noneMatch(id -> id.endsWith("/Critical"));
    }

    @Test
    void mapSuggestsMapsForWhatTheChosenVmUses() throws Exception {
        Cli.Run map = Cli.run("map", "-f", dir, "--vm", "DC0_H0_VM1", "--storage-class", "standard");
        assertThat(map.exitCode()).as(map.toString()).isZero();
        assertThat(map.out()).contains("kind: NetworkMap").contains("name: DC0_DVPG0").contains("kind: StorageMap")
                .contains("name: LocalDS_0").doesNotContain("DVUplinks");
    }
}
