package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.vmware.vim25.VirtualMachinePowerState;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.KubeSchemas;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import io.vmlift.testing.VcsimAdmin;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * vSphere into a cluster: the simulator as the source, fabric8's mock server with the real CRDs and a test
 * controller as KubeVirt and CDI. Both transfer paths: vmlift uploading what it reads from the datastore, and
 * Forklift's, where CDI reads the disk with VDDK and vmlift only follows the DataVolume.
 */
@EnableKubernetesMockClient(crud = true)
class VsphereClusterTest {
    private static final long MiB = 1024 * 1024;
    private static final String VM = "DC0_C0_RP0_VM0";
    private static final String TARGET = "dc0-c0-rp0-vm0";

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.withDefaults();

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    static Path shared;
    static Path raw;
    static VcsimAdmin admin;

    @TempDir
    Path dir;
    private FakeKubevirt cluster;
    private Path kubeconfig;

    @BeforeAll
    static void realDisk() throws Exception {
        admin = new VcsimAdmin(VCSIM.vcsim());
        raw = TestDisks.raw(shared.resolve("disk.raw"), 24 * MiB, 7, 0, 2 * MiB, 9 * MiB, 3 * MiB);
        Path vmdk = shared.resolve("disk.vmdk");
        QemuImg.toVmdk(raw, vmdk, "monolithicSparse");
        String file = admin.firstDiskFile(VM);
        VCSIM.vcsim().putFile("DC0", "LocalDS_0", file.substring(file.indexOf(']') + 1).trim(), vmdk);
        admin.setFirstDiskCapacity(VM, 24 * MiB);
    }

    @AfterAll
    static void logout() {
        if (admin != null) {
            admin.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        cluster.prepareTarget("migrated", "standard", "vm-network");
        kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
        admin.powerOn(VM);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Path documents(VsphereDocuments vsphere) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("documents"));
        vsphere.writeProviders(folder);
        vsphere.writePlan(folder, "wave-1", VM);
        return folder;
    }

    @Test
    void vmliftUploadsWhatItReadsFromTheDatastore() throws Exception {
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()));
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--kubeconfig", kubeconfig, "--upload-proxy-url",
                cluster.uploadProxy(), "--progress", "plain", "--power-off-timeout", "2");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        Path uploaded = cluster.uploadOf("migrated", TARGET + "-disk-0");
        assertThat(QemuImg.compare(raw, uploaded).exitCode()).isZero();
        assertThat(admin.powerState(VM)).isEqualTo(VirtualMachinePowerState.poweredOff);

        Cli.Run test = Cli.run("test", "-f", documents, "--kubeconfig", kubeconfig, "--ready-timeout", "5");
        assertThat(test.exitCode()).as(test.toString()).isZero();
    }

    @Test
    void withVddkInitImageCdiCopiesAndVmliftHandsItTheLoginInASecret() throws Exception {
        String image = "registry.example.com/vddk:8.0.2";
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()).setting("vddkInitImage", image));
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--kubeconfig", kubeconfig, "--progress", "plain",
                "--power-off-timeout", "2");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(cluster.acceptedUploads()).isZero();

        JsonNode dataVolume = Serialization.json().valueToTree(client.genericKubernetesResources(
                "cdi.kubevirt.io/v1beta1", "DataVolume").inNamespace("migrated").withName(TARGET + "-disk-0").get());
        JsonNode vddk = dataVolume.at("/spec/source/vddk");
        assertThat(vddk.path("url").asText()).isEqualTo(VCSIM.vcsim().sdk().toString());
        assertThat(vddk.path("uuid").asText()).isEqualTo(admin.vm(VM).getConfig().getUuid());
        assertThat(vddk.path("backingFile").asText()).isEqualTo(admin.firstDiskFile(VM));
        assertThat(vddk.path("thumbprint").asText()).isEqualTo(VCSIM.vcsim().thumbprint());
        assertThat(vddk.path("initImageURL").asText()).isEqualTo(image);
        assertThat(dataVolume.at("/status/phase").asText()).isEqualTo("Succeeded");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();

        Secret secret = client.secrets().inNamespace("migrated").withName(vddk.path("secretRef").asText()).get();
        Map<String, String> login = secret.getStringData() != null && !secret.getStringData().isEmpty()
                ? secret.getStringData() : decode(secret.getData());
        assertThat(login).containsEntry("accessKeyId", VCSIM.vcsim().user())
                .containsEntry("secretKey", VCSIM.vcsim().password());
        assertThat(migrate.out() + migrate.err()).doesNotContain(VCSIM.vcsim().password());

        Cli.Run test = Cli.run("test", "-f", documents, "--kubeconfig", kubeconfig, "--ready-timeout", "5");
        assertThat(test.exitCode()).as(test.toString()).isZero();
    }

    @Test
    void intoAFolderTheVddkDataVolumeIsWrittenButNoSecretValueIs() throws Exception {
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim())
                .setting("vddkInitImage", "registry.example.com/vddk:8.0.2"));
        Path out = dir.resolve("out");
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--output-dir", out, "--power-off-timeout", "2");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        Path vmFolder = out.resolve("migrated").resolve(TARGET);
        assertThat(Files.readString(vmFolder.resolve("datavolumes.yaml"))).contains("vddk:")
                .contains("backingFile: \"" + admin.firstDiskFile(VM) + "\"");
        try (var files = Files.walk(out)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(file.toString()).doesNotEndWith(".qcow2");
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(VCSIM.vcsim().password());
            }
        }
        Cli.Run test = Cli.run("test", "-f", documents, "--output-dir", out);
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.out()).contains("DataVolume imports from the source");
    }

    @Test
    void warmMigrationCopiesACheckpointPerSnapshotCutsOverAndLeavesNoSnapshot() throws Exception {
        admin.enableChangeTracking(VM);
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()).migrationType("warm")
                .setting("vddkInitImage", "registry.example.com/vddk:8.0.2"));
        // Engine time passes at once: three precopy intervals cost no real seconds.
        java.time.Instant start = java.time.Instant.now();
        Cli.Run migrate = Cli.runWith(new io.vmlift.testing.ManualClock(start, null), "migrate", "-f", documents,
                "--kubeconfig", kubeconfig, "--progress", "plain", "--power-off-timeout", "2",
                "--precopy-interval", "1", "--cutover", start.plusSeconds(3).toString());
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(migrate.err()).contains("CopyingPaused").contains("CreateFinalSnapshot").contains("Finalize");

        // Each checkpoint starts where the previous one ended: a chain from nothing to the final snapshot.
        List<String> copied = cluster.checkpointsCopied();
        assertThat(copied.size()).as(copied.toString()).isGreaterThanOrEqualTo(3); // 2+ precopies and the final
        String previous = "";
        for (String step : copied) {
            assertThat(step).startsWith(TARGET + "-disk-0:" + previous + "->");
            previous = step.substring(step.indexOf("->") + 2);
            assertThat(previous).startsWith("snapshot-");
        }
        JsonNode dataVolume = Serialization.json().valueToTree(client.genericKubernetesResources(
                "cdi.kubevirt.io/v1beta1", "DataVolume").inNamespace("migrated").withName(TARGET + "-disk-0").get());
        assertThat(dataVolume.at("/spec/finalCheckpoint").asBoolean()).isTrue();
        assertThat(dataVolume.at("/spec/checkpoints").size()).isEqualTo(copied.size());
        assertThat(dataVolume.at("/status/phase").asText()).isEqualTo("Succeeded");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();

        assertThat(admin.vm(VM).getSnapshot()).as("vmlift's snapshots are all removed").isNull();
        assertThat(admin.powerState(VM)).isEqualTo(VirtualMachinePowerState.poweredOff);
    }

    @Test
    void warmNeedsChangeTrackingAndTheRightCopierForItsTarget() throws Exception {
        admin.setChangeTracking(VM, false);
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()).migrationType("warm"));
        Cli.Run plan = Cli.run("plan", "-f", documents);
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
        assertThat(plan.out() + plan.err()).contains("VMMissingChangedBlockTracking");

        admin.enableChangeTracking(VM);
        Cli.Run uploadWarm = Cli.run("migrate", "-f", documents, "--kubeconfig", kubeconfig);
        assertThat(uploadWarm.exitCode()).as(uploadWarm.toString()).isEqualTo(2);
        assertThat(uploadWarm.err()).contains("set vddkInitImage");

        Cli.Run qcow2Warm = Cli.run("migrate", "-f", documents, "--output-dir", dir.resolve("out"));
        assertThat(qcow2Warm.exitCode()).as(qcow2Warm.toString()).isEqualTo(2);
        assertThat(qcow2Warm.err()).contains("--disk-format raw");

        Files.delete(documents.resolve("providers.yaml"));
        Path vddk = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()).migrationType("warm")
                .setting("vddkInitImage", "registry.example.com/vddk:8.0.2"));
        Cli.Run vddkIntoFolder = Cli.run("migrate", "-f", vddk, "--output-dir", dir.resolve("out"), "--disk-format",
                "raw");
        assertThat(vddkIntoFolder.exitCode()).as(vddkIntoFolder.toString()).isEqualTo(2);
        assertThat(vddkIntoFolder.err()).contains("needs a cluster");
        assertThat(admin.vm(VM).getSnapshot()).as("nothing was started").isNull();
    }

    @Test
    void aFailedWarmMigrationRemovesItsSnapshotsAndLeavesTheSourceRunning() throws Exception {
        admin.enableChangeTracking(VM);
        cluster.breakWith(FakeKubevirt.Fault.DATA_VOLUME_FAILS);
        Path documents = documents(VsphereDocuments.forSimulator(VCSIM.vcsim()).migrationType("warm")
                .setting("vddkInitImage", "registry.example.com/vddk:8.0.2"));
        Cli.Run migrate = Cli.run("migrate", "-f", documents, "--kubeconfig", kubeconfig, "--progress", "plain");
        assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(5);
        assertThat(migrate.err()).contains("snapshots of the source VM were removed");
        assertThat(admin.vm(VM).getSnapshot()).isNull();
        assertThat(admin.powerState(VM)).isEqualTo(VirtualMachinePowerState.poweredOn);
    }

    private static Map<String, String> decode(Map<String, String> data) {
        return data.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                e -> new String(Base64.getDecoder().decode(e.getValue()), StandardCharsets.UTF_8)));
    }
}
