package io.vmlift.destination.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.plan.PlanResolver;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.spi.Concern;
import io.vmlift.spi.Concern.Category;
import io.vmlift.testing.Example;
import io.vmlift.testing.FakeKubevirt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster checks one at a time, against fabric8's mock API server: what an API server answers when KubeVirt,
 * CDI or Multus is not installed (the group is not discovered), when an access review comes back without a
 * status or is refused, and when a cluster-wide list is forbidden to a namespaced identity (403).
 */
@EnableKubernetesMockClient(crud = true)
class ClusterChecksTest {
    private static final String CHECKS_AGENT = "vmlift-cluster-checks-under-test";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private SourceProvider source;
    private ResolvedPlan plan;

    @BeforeEach
    void resolveTheExample() throws Exception {
        DocumentSet documents = DocumentLoader.load(List.of(Example.copyTo(dir)));
        source = SourceProviders.connect(documents.sourceProvider(null),
                documents.credentials(documents.sourceProvider(null)));
        plan = PlanResolver.resolve(documents, documents.plan(null), source);
    }

    @AfterEach
    void close() throws Exception {
        source.close();
    }

    @Test
    void aClusterWithoutKubevirtCdiOrMultusIsApiNotServed() {
        // No CRDs at all: discovery finds none of the groups the plan needs.
        List<Concern> concerns = ClusterChecks.check(client, plan);

        assertThat(concerns).filteredOn(c -> c.id().equals("ApiNotServed"))
                .extracting(Concern::category).containsOnly(Category.Critical);
        assertThat(concerns).filteredOn(c -> c.id().equals("ApiNotServed")).extracting(Concern::label)
                .anyMatch(label -> label.contains("kubevirt.io/v1 VirtualMachine"))
                .anyMatch(label -> label.contains("cdi.kubevirt.io/v1beta1 DataVolume"))
                .anyMatch(label -> label.contains("serves no NetworkAttachmentDefinitions"));
    }

    @Test
    void theChecksAskForEachGroupVersionsResourcesOnce() throws Exception {
        try (FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("up")));
                // A client of their own, told apart by its User-Agent: the peer's controller reads the cluster too.
                KubernetesClient checks = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                        client.getConfiguration()).withUserAgent(CHECKS_AGENT).build()).build()) {
            cluster.prepareTarget("migrated", "standard", "backend");
            ClusterChecks.check(checks, plan);

            List<String> discovery = new ArrayList<>();
            // Up to what the server has recorded by now (none taken before): the controller goes on reading.
            int recorded = server.getRequestCount();
            for (int i = 0; i < recorded; i++) {
                RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
                // A group-version's resource list, what fabric8's supports(apiVersion, kind) fetches each call.
                if (CHECKS_AGENT.equals(r.getHeader("User-Agent")) && r.getPath().matches("/apis/[^/?]+/[^/?]+")) {
                    discovery.add(r.getPath());
                }
            }
            // VirtualMachine and VirtualMachineInstance share kubevirt.io/v1, and the VM and DataVolume checks
            // ask again after the access checks: one request each all the same.
            assertThat(discovery).containsExactlyInAnyOrder("/apis/kubevirt.io/v1", "/apis/cdi.kubevirt.io/v1beta1",
                    "/apis/upload.cdi.kubevirt.io/v1beta1", "/apis/k8s.cni.cncf.io/v1");
        }
    }

    @Test
    void anAccessReviewWithoutAnAnswerIsPermissionUnknownNotPermissionDenied() {
        // The CRUD store keeps the review as posted, with no status: the server said neither yes nor no. (Asked
        // several at once, it refuses some with 422, unlike kube-apiserver, which stores no review: unknown too.)
        List<Concern> concerns = ClusterAccess.check(client, "migrated", false);

        assertThat(concerns).filteredOn(c -> c.id().startsWith("Permission"))
                .extracting(Concern::id, Concern::category).containsOnly(tuple("PermissionUnknown", Category.Warning))
                .hasSize(ClusterAccess.PERMISSIONS.size());
        List<String> labels = concerns.stream().filter(c -> c.id().startsWith("Permission")).map(Concern::label)
                .toList();
        for (int i = 0; i < labels.size(); i++) {
            assertThat(labels.get(i)).as("in the order of the permissions, though asked several at a time")
                    .contains(" may " + ClusterAccess.PERMISSIONS.get(i).describe() + " ");
        }
    }

    @Test
    void anAccessReviewTheServerRefusesIsPermissionUnknownWithItsCode() throws Exception {
        try (FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("up")))) {
            cluster.breakWith(FakeKubevirt.Fault.EXPIRED_TOKEN);
            List<Concern> concerns = ClusterAccess.check(client, "migrated", false);

            assertThat(concerns).extracting(Concern::id).containsOnly("PermissionUnknown");
            assertThat(concerns).extracting(Concern::label).allMatch(label -> label.contains("(401)"));
        }
    }

    @Test
    void aForbiddenClusterWideListSkipsThatCheckWithAWarning() throws Exception {
        try (FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("up")))) {
            cluster.prepareTarget("migrated", "standard", "backend");
            // What kube-apiserver answers a namespaced service account that lists a cluster-scoped resource.
            server.expect().get().withPath("/apis/storage.k8s.io/v1/storageclasses")
                    .andReturn(403, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure",
                            "reason", "Forbidden", "code", 403, "message", "storageclasses.storage.k8s.io is"
                                    + " forbidden: User \"system:serviceaccount:migrated:vmlift\" cannot list"))
                    .always();
            List<Concern> concerns = ClusterChecks.check(client, plan);

            assertThat(concerns).extracting(Concern::id, Concern::category)
                    .containsExactly(tuple("CheckSkipped", Category.Warning));
            assertThat(concerns.get(0).label()).contains("list storageclasses");
        }
    }
}
