package io.vmlift.destination.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.engine.MigrationEngine;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.Phase;
import io.vmlift.engine.ProgressListener;
import io.vmlift.engine.FileStateStore;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Serialization;
import io.vmlift.plan.PlanResolver;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.testing.Example;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.KubeSchemas;
import io.vmlift.testing.OvaFiles;
import io.vmlift.testing.QemuImg;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster target against fabric8's CRUD mock server with the KubeVirt and CDI CRDs, and a test peer that
 * plays their controllers and CDI's upload proxy (see FakeKubevirt).
 */
@EnableKubernetesMockClient(crud = true)
class ClusterTargetTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private FakeKubevirt cluster;
    private SourceProvider source;
    private DocumentSet documents;
    private ResolvedPlan plan;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        documents = DocumentLoader.load(List.of(Example.copyTo(dir)));
        source = SourceProviders.connect(documents.sourceProvider(null), documents.credentials(documents.sourceProvider(null)));
        plan = PlanResolver.resolve(documents, documents.plan(null), source);
    }

    @AfterEach
    void tearDown() throws Exception {
        source.close();
        cluster.close();
    }

    private MigrationState migrate() throws Exception {
        ClusterTarget target = new ClusterTarget(client, new CdiUpload(HttpClient.newHttpClient(), cluster.uploadProxy()),
                new ClusterTarget.Options(Duration.ofSeconds(10), Duration.ofMillis(50)));
        return new MigrationEngine(source, target, FileStateStore.forPlan(dir, plan.name()), ProgressListener.NONE,
                new MigrationEngine.Options(2, Duration.ofSeconds(1), 2, Duration.ofSeconds(3),
                        MigrationEngine.Warm.CUT_OVER_AT_ONCE,
                        new io.vmlift.Backoff(Duration.ofMillis(20), Duration.ofMillis(100), 3))).run(plan);
    }

    private GenericKubernetesResource get(String apiVersion, String kind, String name) {
        return client.genericKubernetesResources(apiVersion, kind).inNamespace("migrated").withName(name).get();
    }

    @Test
    void theExampleLandsInTheClusterAndItsUploadsEqualTheSourceDisks() throws Exception {
        MigrationState state = migrate();
        assertThat(state.vms.get(0).phase).as(String.valueOf(state.vms.get(0).error)).isEqualTo(Phase.Completed);

        GenericKubernetesResource vm = get("kubevirt.io/v1", "VirtualMachine", "example-vm");
        assertThat(vm).isNotNull();
        JsonNode vmTree = Serialization.json().valueToTree(vm);
        assertThat(vmTree.at("/spec/template/spec/domain/devices/interfaces/0/macAddress").asText())
                .isEqualTo("00:50:56:8a:12:01");

        Path extracted = OvaFiles.extract(dir.resolve("example/example-vm.ova"), dir.resolve("extracted"));
        for (int disk = 0; disk < 2; disk++) {
            String name = "example-vm-disk-" + disk;
            JsonNode dataVolume = Serialization.json().valueToTree(get("cdi.kubevirt.io/v1beta1", "DataVolume", name));
            assertThat(dataVolume.at("/status/phase").asText()).isEqualTo("Succeeded");
            Path uploaded = cluster.uploadOf("migrated", name);
            QemuImg.require("check", uploaded.toString());
            assertThat(QemuImg.compare(extracted.resolve("example-vm-disk" + (disk + 1) + ".vmdk"), uploaded)
                    .exitCode()).as("uploaded bytes of " + name).isZero();
        }
        assertThat(Serialization.json().valueToTree(get("cdi.kubevirt.io/v1beta1", "DataVolume", "example-vm-disk-0"))
                .at("/metadata/annotations/cdi.kubevirt.io~1storage.bind.immediate.requested").asText())
                .as("bound at once, or WaitForFirstConsumer storage would never take the upload").isEqualTo("true");
        // The mostly empty 2 GiB disk crossed the network as about its 1 MiB of data.
        assertThat(Files.size(cluster.uploadOf("migrated", "example-vm-disk-1"))).isLessThan(4L << 20);

        // What vmlift sent, as the server stored it, against the upstream schemas (skipped when they are absent).
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, vmTree)).isEmpty();
        for (int disk = 0; disk < 2; disk++) {
            JsonNode dataVolume = Serialization.json().valueToTree(
                    get("cdi.kubevirt.io/v1beta1", "DataVolume", "example-vm-disk-" + disk));
            assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();
        }
    }

    @Test
    void aRunThatDiedAfterAnImportFinishedDoesNotUploadItAgain() throws Exception {
        assertThat(migrate().vms.get(0).phase).isEqualTo(Phase.Completed);
        assertThat(cluster.acceptedUploads()).isEqualTo(2);
        // As if the run had died after CDI imported disk 0 but before the record said so, and before the VM.
        Path record = dir.resolve(plan.name() + ".status.json");
        com.fasterxml.jackson.databind.node.ObjectNode state =
                (com.fasterxml.jackson.databind.node.ObjectNode) Serialization.json().readTree(record.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) state.at("/vms/0")).put("phase", "CopyDisks");
        ((com.fasterxml.jackson.databind.node.ObjectNode) state.at("/vms/0/disks/0")).put("completed", false);
        Files.writeString(record, Serialization.toJson(state));
        client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated")
                .withName("example-vm").delete();
        MigrationState rerun = migrate();
        assertThat(rerun.vms.get(0).phase).as(String.valueOf(rerun.vms.get(0).error)).isEqualTo(Phase.Completed);
        assertThat(cluster.acceptedUploads()).isEqualTo(2);
        assertThat(get("kubevirt.io/v1", "VirtualMachine", "example-vm")).isNotNull();
    }

    @Test
    void aRejectedUploadFailsTheVmAndRemovesWhatWasMade() throws Exception {
        cluster.breakWith(FakeKubevirt.Fault.REJECT_UPLOAD);
        MigrationState state = migrate();
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.phase()).isEqualTo("CopyDisks");
        assertThat(vm.error.reasons().get(0)).contains("answered 500").contains("no space left on device");
        assertThat(get("cdi.kubevirt.io/v1beta1", "DataVolume", "example-vm-disk-0")).isNull();
        assertThat(get("kubevirt.io/v1", "VirtualMachine", "example-vm")).isNull();

        // The fault gone, a rerun completes.
        cluster.breakWith(FakeKubevirt.Fault.NONE);
        MigrationState rerun = migrate();
        assertThat(rerun.vms.get(0).phase).as(String.valueOf(rerun.vms.get(0).error)).isEqualTo(Phase.Completed);
    }

    /** fabric8's client retries a 5xx with exponential backoff itself (from 100 ms, 10 times by default). */
    @Test
    void anApiServerThatIsBrieflyAwayWhileVmliftWaitsIsWaitedOut() throws Exception {
        String instance = "/apis/kubevirt.io/v1/namespaces/migrated/virtualmachineinstances/example-vm";
        cluster.unavailableFor(instance, 3);
        MigrationState state = migrate();
        assertThat(state.vms.get(0).phase).as(String.valueOf(state.vms.get(0).error)).isEqualTo(Phase.Completed);
    }

    /** What kube-apiserver answers a create whose name another client took between vmlift's read and its write. */
    private static java.util.Map<String, Object> alreadyExists(String resource) {
        return java.util.Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "reason", "AlreadyExists",
                "code", 409, "message", resource + " \"example-vm\" already exists");
    }

    @Test
    void aWriteThatLosesARaceIsMadeAgainOnAFreshRead() throws Exception {
        server.expect().post().withPath("/apis/cdi.kubevirt.io/v1beta1/namespaces/migrated/datavolumes")
                .andReturn(409, alreadyExists("datavolumes.cdi.kubevirt.io")).once();
        server.expect().post().withPath("/apis/kubevirt.io/v1/namespaces/migrated/virtualmachines")
                .andReturn(409, alreadyExists("virtualmachines.kubevirt.io")).once();
        MigrationState state = migrate();
        assertThat(state.vms.get(0).phase).as(String.valueOf(state.vms.get(0).error)).isEqualTo(Phase.Completed);
        assertThat(get("kubevirt.io/v1", "VirtualMachine", "example-vm")).isNotNull();
    }

    @Test
    void aWriteThatKeepsConflictingFailsTheVmSayingHowOftenItWasTried() throws Exception {
        server.expect().post().withPath("/apis/kubevirt.io/v1/namespaces/migrated/virtualmachines")
                .andReturn(409, alreadyExists("virtualmachines.kubevirt.io")).always();
        MigrationState state = migrate();
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.phase()).isEqualTo("CreateVM");
        assertThat(vm.error.reasons().get(0)).contains("VirtualMachine migrated/example-vm")
                .contains("conflicting (409) 5 times");
    }

    @Test
    void anUploadServerThatIsNotReadyYetIsTriedAgain() throws Exception {
        cluster.breakWith(FakeKubevirt.Fault.UPLOAD_POD_STARTING);
        MigrationState state = migrate();
        assertThat(state.vms.get(0).phase).as(String.valueOf(state.vms.get(0).error)).isEqualTo(Phase.Completed);
    }

    @Test
    void anUploadServerThatNeverGetsReadyFailsTheVmSayingWhatWasTried() throws Exception {
        cluster.breakWith(FakeKubevirt.Fault.UPLOAD_POD_NEVER_READY);
        MigrationState state = migrate();
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.reasons().get(0)).contains("answered 503").contains("gave up after 3 attempts");
        assertThat(get("kubevirt.io/v1", "VirtualMachine", "example-vm")).isNull();
    }

    @Test
    void aFailedDataVolumeAndAVmThatNeverGetsReadyAreReportedWithTheirPhase() throws Exception {
        cluster.breakWith(FakeKubevirt.Fault.DATA_VOLUME_FAILS);
        MigrationState failedVolume = migrate();
        assertThat(failedVolume.vms.get(0).error.reasons().get(0)).contains("DataVolume migrated/example-vm-disk-0 failed");

        cluster.breakWith(FakeKubevirt.Fault.NEVER_READY);
        MigrationState notReady = migrate();
        assertThat(notReady.vms.get(0).error.phase()).as(String.valueOf(notReady.vms.get(0).error)).isEqualTo("WaitForVM");
        assertThat(notReady.vms.get(0).error.reasons().get(0)).contains("was not Ready within 3 s");
    }
}
