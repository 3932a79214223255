package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.OvfStandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Forklift documents (../shared/realworld/forklift: its documentation's OVA blocks, its field references,
 * its operator samples) run through vmlift's commands over an OVA share with a real descriptor in it.
 */
class ForkliftDocumentsTest {
    @TempDir
    Path workspace;

    /** A share with govmomi's xp-multinic export (two NICs: VM Network, dvportgroup-30), stand-in disks. */
    private void ovaShare() throws Exception {
        Path share = Files.createDirectories(workspace.resolve("ova-share").resolve("xp-multinic"));
        OvfStandIns.standIn(OvfStandIns.realworld().resolve("ovf/govmomi-xp-multinic.ovf"), share);
    }

    private Path copy(String name) throws Exception {
        Path source = OvfStandIns.realworld().resolve("forklift").resolve(name);
        return Files.copy(source, workspace.resolve(source.getFileName()));
    }

    private static List<String> concerns(Cli.Run run, String category) throws Exception {
        List<String> found = new ArrayList<>();
        for (JsonNode concern : Serialization.json().readTree(run.out()).path("concerns")) {
            if (concern.path("category").asText().equals(category)) {
                found.add(concern.path("id").asText() + ": " + concern.path("label").asText());
            }
        }
        return found;
    }

    @Test
    void forkliftsDocumentedOvaMapsHookAndMigrationRunInVmlift() throws Exception {
        ovaShare();
        copy("derived/docs-ova-cli-filled.yaml");
        copy("derived/host-provider.yaml");
        // The NetworkMap names its networks by Forklift's ids, the StorageMap the storage by Forklift's name.
        assertThat(Files.readString(workspace.resolve("docs-ova-cli-filled.yaml")))
                .contains("id: ae1badc8c693926f492a01e2f357d6af321b").contains("Dummy storage for source provider");

        Cli.Run plan = Cli.run("plan", "-f", workspace, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(concerns(plan, "Critical")).isEmpty();
        assertThat(concerns(plan, "Warning")).anyMatch(c -> c.startsWith("FieldIgnored") && c.contains("pre-hook")
                && c.contains("PreHook"));

        Cli.Run migrate = Cli.run("migrate", "-f", workspace, "--output-dir", workspace.resolve("out"),
                "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        String vm = Files.readString(workspace.resolve("out/migrated/xp-multinic/virtualmachine.yaml"));
        assertThat(vm).contains("networkName: migrated/backend-nad").contains("pod: {}");
    }

    @Test
    void everyForkliftFieldVmliftDoesNotActOnIsNamedInAWarning() throws Exception {
        ovaShare();
        copy("derived/base.yaml"); // with the host Provider
        Path vmFields = copy("derived/vm-fields-filled.yaml");
        // The VM is named by Forklift's id for it; vmlift finds VMs of an OVA by name.
        Files.writeString(vmFields, Files.readString(vmFields)
                .replaceFirst("- id: \\S+\\s+#[^\\n]*\\n\\s+name: xp-multinic", "- name: xp-multinic"));
        Cli.Run plan = Cli.run("plan", "-f", workspace, "--plan", "vm-fields", "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        List<String> warnings = concerns(plan, "Warning");
        for (String field : List.of("rootDisk", "instanceType", "pvcNameTemplate", "volumeNameTemplate",
                "networkNameTemplate", "luks", "nbdeClevis", "migrateSharedDisks")) {
            assertThat(warnings).as(field).anyMatch(w -> w.startsWith("FieldIgnored") && w.contains("vms[]." + field));
        }
        assertThat(warnings).anyMatch(w -> w.contains("pre-migration-hook")).anyMatch(w -> w.contains("post-migration-hook"));
    }

    @Test
    void planLevelFieldsOfForkliftsReferenceAreWarnedAboutToo() throws Exception {
        ovaShare();
        copy("derived/base.yaml"); // with the host Provider
        copy("derived/plan-fields-filled.yaml");
        Cli.Run plan = Cli.run("plan", "-f", workspace, "--plan", "my-migration-plan", "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isIn(0, 3);
        assertThat(concerns(plan, "Warning")).anyMatch(w -> w.contains("spec.targetNodeSelector"));
    }

    @Test
    void inventoryShowsForkliftsIdsAndNamesWhatItPassedOver() throws Exception {
        ovaShare();
        Files.writeString(workspace.resolve("ova-share").resolve("half-copied.ova"), "not a tar");
        Path provider = Files.writeString(workspace.resolve("provider.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: share}
                spec: {type: ova, url: ova-share}
                """);
        Cli.Run inventory = Cli.run("inventory", "-f", provider);
        assertThat(inventory.exitCode()).as(inventory.toString()).isZero();
        assertThat(inventory.out()).contains("xp-multinic").contains("FORKLIFT ID")
                .contains("ae1badc8c693926f492a01e2f357d6af321b").contains("2553c79eef067534efa36eb31b52a5653570");
        assertThat(inventory.err()).contains("warning: half-copied.ova was passed over").hasLineCount(1);
        Cli.Run connect = Cli.run("connect", "-f", provider, "-o", "json");
        assertThat(Serialization.json().readTree(connect.out()).path("skipped").asInt()).isEqualTo(1);
    }

    @Test
    void oneNetworkNamedByVmliftsNameAndForkliftsIdIsAmbiguous() throws Exception {
        ovaShare();
        copy("derived/docs-ova-cli-filled.yaml");
        copy("derived/host-provider.yaml");
        Path docs = workspace.resolve("docs-ova-cli-filled.yaml");
        Files.writeString(docs, Files.readString(docs).replace("""
                    - destination:
                        name: pod-net
                        type: pod
                """, """
                    - destination:
                        name: pod-net
                        type: pod
                      source:
                        name: VM Network
                    - destination:
                        name: pod-net
                        type: pod
                """));
        Cli.Run plan = Cli.run("plan", "-f", workspace, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
        assertThat(concerns(plan, "Critical")).singleElement().asString().startsWith("SourceNetworkNotValid")
                .contains("VM Network").contains("2 entries");
    }

    @Test
    void mapsVmliftWritesNameWhatForkliftKnows() throws Exception {
        ovaShare();
        Path provider = Files.writeString(workspace.resolve("provider.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: share}
                spec: {type: ova, url: ova-share}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: host}
                spec: {type: openshift}
                """);
        Cli.Run map = Cli.run("map", "-f", provider, "--target-namespace", "wave1", "--output-file",
                workspace.resolve("maps.yaml"));
        assertThat(map.exitCode()).as(map.toString()).isZero();
        // Forklift finds a network by the hash of its name, and a disk's storage by the disk file's name.
        String maps = Files.readString(workspace.resolve("maps.yaml"));
        assertThat(maps).contains("id: ae1badc8c693926f492a01e2f357d6af321b")
                .contains("id: 2553c79eef067534efa36eb31b52a5653570")
                .contains("name: xp-multinic-disk1.vmdk").contains("name: xp-multinic-disk2.vmdk")
                .doesNotContain("id: ova");
        Cli.Run plan = Cli.run("plan", "-f", workspace, "--vm", "xp-multinic", "--name", "wave-1",
                "--target-namespace", "wave1", "--plan-file", workspace.resolve("plan.yaml"));
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
    }
}
