package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.FakeKubevirt;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** migrate, test and status on a cluster through the CLI, as a pipeline calls them, with a kubeconfig. */
@EnableKubernetesMockClient(crud = true)
class ClusterCliTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private FakeKubevirt cluster;
    private Path example;
    private Path kubeconfig;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        example = Example.copyTo(dir);
        kubeconfig = kubeconfig(client.getConfiguration().getMasterUrl(), "kubeconfig");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Path kubeconfig(String server, String name) throws Exception {
        return FakeKubevirt.writeKubeconfig(dir.resolve(name), server);
    }

    /** What the example's plan needs on the cluster: its namespace, storage class and Multus network. */
    private void prepareCluster() {
        cluster.prepareTarget("migrated", "standard", "backend");
    }

    private Cli.Run vmlift(String command, Object... more) {
        Object[] args = new Object[more.length + 5];
        args[0] = command;
        args[1] = "-f";
        args[2] = example;
        args[3] = "--kubeconfig";
        args[4] = kubeconfig;
        System.arraycopy(more, 0, args, 5, more.length);
        return Cli.run(args);
    }

    @Test
    void theExampleMigratesIntoTheClusterAndPassesTheTestStage() throws Exception {
        prepareCluster();
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy(), "--progress", "plain");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(migrate.err()).contains("example-vm: WaitForVM").contains("example-vm: Completed");

        Path junit = dir.resolve("junit.xml");
        Cli.Run test = vmlift("test", "--junit", junit, "--ready-timeout", "5");
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.out()).contains("VirtualMachineInstance Running and Ready").contains("0 failed");
        assertThat(Files.readString(junit)).contains("failures=\"0\"");

        Cli.Run status = vmlift("status", "-o", "json");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode state = Serialization.json().readTree(status.out());
        assertThat(state.path("phase").asText()).isEqualTo("Succeeded");
        assertThat(client.configMaps().inNamespace("migrated").withName("vmlift-plan-example-wave-1").get()).isNotNull();

        // A rerun from "another machine" reads the ConfigMap and has nothing to do.
        Cli.Run again = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy(), "--progress", "plain");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).contains("already migrated");
    }

    @Test
    @org.junit.jupiter.api.Timeout(300) // a DataVolume that never gets ready for upload would be waited for 10 min
    void rollbackHaltsOrRemovesOnlyWhatThePlanMadeInTheCluster() throws Exception {
        prepareCluster();
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy(), "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        var vms = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated");
        var dataVolumes = client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume")
                .inNamespace("migrated");
        assertThat(dataVolumes.list().getItems()).isNotEmpty();
        // Someone else's DataVolume beside the plan's: a rollback never touches it.
        dataVolumes.resource(new GenericKubernetesResource() {{
            setApiVersion("cdi.kubevirt.io/v1beta1");
            setKind("DataVolume");
            setMetadata(new ObjectMetaBuilder().withName("someone-elses").withNamespace("migrated").build());
        }}).create();

        Cli.Run keep = vmlift("rollback", "--keep-target");
        assertThat(keep.exitCode()).as(keep.toString()).isZero();
        assertThat(vms.withName("example-vm").get().getAdditionalProperties().get("spec").toString())
                .contains("runStrategy=Halted");
        assertThat(dataVolumes.list().getItems()).hasSizeGreaterThan(1);

        Cli.Run rollback = vmlift("rollback", "-o", "json");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        assertThat(Serialization.json().readTree(rollback.out()).path("phase").asText()).isEqualTo("RolledBack");
        assertThat(vms.withName("example-vm").get()).isNull();
        assertThat(dataVolumes.list().getItems()).extracting(dv -> dv.getMetadata().getName())
                .containsExactly("someone-elses");
        JsonNode record = Serialization.json().readTree(vmlift("status", "-o", "json").out());
        assertThat(record.path("vms").get(0).path("phase").asText()).isEqualTo("RolledBack");

        // Migrated again after the rollback: new DataVolumes, each uploaded anew.
        int uploads = cluster.acceptedUploads();
        Cli.Run again = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy(), "--progress", "none");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(cluster.acceptedUploads()).isGreaterThan(uploads);
        assertThat(vms.withName("example-vm").get()).isNotNull();
    }

    @Test
    void connectDestinationReportsWhatTheClusterOffersAndWhatIsMissing() throws Exception {
        prepareCluster();
        Cli.Run ready = vmlift("connect", "--destination", "-o", "json");
        assertThat(ready.exitCode()).as(ready.toString()).isZero();
        JsonNode summary = Serialization.json().readTree(ready.out());
        assertThat(summary.path("namespace").asText()).isEqualTo("migrated");
        assertThat(summary.path("namespaceExists").asBoolean()).isTrue();
        assertThat(summary.path("storageClasses").findValuesAsText("name")).containsExactly("standard");
        assertThat(summary.path("networkAttachmentDefinitions").get(0).asText()).isEqualTo("backend");
        assertThat(summary.path("concerns")).isEmpty();

        cluster.breakWith(FakeKubevirt.Fault.NO_DELETE_PERMISSION);
        Cli.Run denied = vmlift("connect", "--destination");
        assertThat(denied.exitCode()).as(denied.toString()).isEqualTo(3);
        assertThat(denied.out()).contains("Critical PermissionDenied");
    }

    @Test
    void whatTheClusterLacksBlocksThePlanWithExitThree() {
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy());
        assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(3);
        assertThat(migrate.err()).contains("TargetNamespaceNotFound").contains("NetMapDestinationNADNotValid")
                .contains("StorageClassNotFound");
        assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume").inAnyNamespace().list()
                .getItems()).isEmpty();
    }

    @Test
    void planCheckClusterReportsWhatTheClusterLacks() throws Exception {
        Cli.Run lacking = vmlift("plan", "--check-cluster", "-o", "json");
        assertThat(lacking.exitCode()).as(lacking.toString()).isEqualTo(3);
        assertThat(Serialization.json().readTree(lacking.out()).path("concerns").findValuesAsText("id"))
                .contains("TargetNamespaceNotFound", "NetMapDestinationNADNotValid", "StorageClassNotFound");
        prepareCluster();
        Cli.Run ready = vmlift("plan", "--check-cluster");
        assertThat(ready.exitCode()).as(ready.toString()).isZero();
    }

    @Test
    void withoutAnyKubeconfigOutsideAPodTheLineSaysSo() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KUBECONFIG") == null, "KUBECONFIG is set here");
        String home = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString()); // a home without ~/.kube/config
        try {
            Cli.Run run = Cli.run("status", "-f", example);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
            assertThat(run.err()).contains("no kubeconfig").contains("--kubeconfig").hasLineCount(1);
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test
    void aMissingPermissionIsFoundBeforeAnythingIsMade() {
        prepareCluster();
        cluster.breakWith(FakeKubevirt.Fault.NO_DELETE_PERMISSION);
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy());
        assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(3);
        assertThat(migrate.err()).contains("PermissionDenied").contains("may not delete virtualmachines.kubevirt.io");
        assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume").inAnyNamespace().list()
                .getItems()).isEmpty();
    }

    @Test
    void anUnreachableUploadProxyIsExitFourBeforeAnythingIsMade() {
        prepareCluster();
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", "http://127.0.0.1:1");
        assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(4);
        assertThat(migrate.err()).contains("cannot reach the CDI upload proxy").hasLineCount(1);
        assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume").inAnyNamespace().list()
                .getItems()).isEmpty();
    }

    @Test
    void aForeignDataVolumeOfTheSameNameBlocksThePlan() {
        prepareCluster();
        GenericKubernetesResource foreign = new GenericKubernetesResource();
        foreign.setApiVersion("cdi.kubevirt.io/v1beta1");
        foreign.setKind("DataVolume");
        foreign.setMetadata(new ObjectMetaBuilder().withName("example-vm-disk-1").withNamespace("migrated").build());
        foreign.setAdditionalProperty("spec", Map.of("source", Map.of("blank", Map.of())));
        client.resource(foreign).create();
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy());
        assertThat(migrate.exitCode()).isEqualTo(3);
        assertThat(migrate.err()).contains("DataVolumeAlreadyExists");
        assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume").inNamespace("migrated")
                .withName("example-vm-disk-1").get()).as("left alone").isNotNull();
    }

    @Test
    void aForeignVmOfTheSameNameIsVmAlreadyExists() {
        prepareCluster();
        GenericKubernetesResource foreign = new GenericKubernetesResource();
        foreign.setApiVersion("kubevirt.io/v1");
        foreign.setKind("VirtualMachine");
        foreign.setMetadata(new ObjectMetaBuilder().withName("example-vm").withNamespace("migrated").build());
        foreign.setAdditionalProperty("spec", Map.of("runStrategy", "Halted"));
        client.resource(foreign).create();
        Cli.Run migrate = vmlift("migrate", "--upload-proxy-url", cluster.uploadProxy());
        assertThat(migrate.exitCode()).isEqualTo(3);
        assertThat(migrate.err()).contains("VMAlreadyExists");
    }

    @Test
    void anUnreachableClusterIsExitFourAndAMissingContextExitTwo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        kubeconfig = kubeconfig("https://127.0.0.1:" + closedPort, "unreachable");
        Cli.Run unreachable = vmlift("migrate", "--upload-proxy-url", "http://127.0.0.1:1");
        assertThat(unreachable.exitCode()).as(unreachable.toString()).isEqualTo(4);
        assertThat(unreachable.err()).contains("cannot reach the cluster at https://127.0.0.1:" + closedPort)
                .hasLineCount(1);

        // An expired token: the API server answers 401.
        kubeconfig = kubeconfig(client.getConfiguration().getMasterUrl(), "expired");
        cluster.breakWith(FakeKubevirt.Fault.EXPIRED_TOKEN);
        Cli.Run expired = vmlift("migrate", "--upload-proxy-url", "http://127.0.0.1:1");
        assertThat(expired.exitCode()).as(expired.toString()).isEqualTo(4);
        assertThat(expired.err()).contains("credentials were refused (401").hasLineCount(1);

        Cli.Run context = vmlift("status", "--context", "no-such-context");
        assertThat(context.exitCode()).as(context.toString()).isEqualTo(2);
        assertThat(context.err()).contains("no-such-context").hasLineCount(1);
    }
}
