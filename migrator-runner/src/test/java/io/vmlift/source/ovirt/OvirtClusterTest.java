package io.vmlift.source.ovirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.FakeOvirtEngine;
import io.vmlift.testing.KubeSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * oVirt into a cluster the way Forklift does it (provider setting cdiImageio): DataVolumes with source.imageio, the
 * engine login in a Secret and its CA in a ConfigMap for CDI, vmlift powering the VM off and following the import.
 * The test engine plays oVirt; fabric8's mock server with the KubeVirt/CDI peer plays the cluster.
 */
@EnableKubernetesMockClient(crud = true)
class OvirtClusterTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void cdiCopiesThroughImageioWithTheLoginAndCaVmliftHandsIt() throws Exception {
        String password = "engine-" + ProcessHandle.current().pid();
        try (FakeOvirtEngine engine = new FakeOvirtEngine(dir.resolve("engine"), password)) {
            FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
            try {
                cluster.prepareTarget("migrated", "standard");
                Path documents = Files.createDirectories(dir.resolve("documents"));
                Files.writeString(documents.resolve("documents.yaml"), """
                        apiVersion: forklift.konveyor.io/v1beta1
                        kind: Provider
                        metadata: {name: engine, namespace: vmlift}
                        spec:
                          type: ovirt
                          url: %s
                          secret: {name: engine-credentials, namespace: vmlift}
                          settings: {cdiImageio: "true"}
                        ---
                        apiVersion: forklift.konveyor.io/v1beta1
                        kind: Provider
                        metadata: {name: host, namespace: vmlift}
                        spec: {type: openshift, url: ""}
                        ---
                        apiVersion: v1
                        kind: Secret
                        metadata: {name: engine-credentials, namespace: vmlift}
                        stringData:
                          user: %s
                          password: %s
                          cacert: |
                        %s
                        ---
                        apiVersion: forklift.konveyor.io/v1beta1
                        kind: NetworkMap
                        metadata: {name: engine-networks, namespace: vmlift}
                        spec:
                          provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                          map: [{source: {name: app}, destination: {type: pod}}]
                        ---
                        apiVersion: forklift.konveyor.io/v1beta1
                        kind: StorageMap
                        metadata: {name: engine-storage, namespace: vmlift}
                        spec:
                          provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                          map: [{source: {name: data}, destination: {storageClass: standard}}]
                        ---
                        apiVersion: forklift.konveyor.io/v1beta1
                        kind: Plan
                        metadata: {name: web, namespace: vmlift}
                        spec:
                          targetNamespace: migrated
                          provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                          map: {network: {name: engine-networks, namespace: vmlift}, storage: {name: engine-storage, namespace: vmlift}}
                          vms: [{name: web-1}]
                        """.formatted(engine.apiUrl(), FakeOvirtEngine.USER, password,
                        engine.caPem().indent(4).stripTrailing()));
                Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"),
                        client.getConfiguration().getMasterUrl());
                Cli.Run migrate = Cli.run("migrate", "-f", documents, "--kubeconfig", kubeconfig, "--progress", "plain",
                        "--power-off-timeout", "5");
                assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
                assertThat(migrate.out() + migrate.err()).doesNotContain(password);

                JsonNode dataVolume = Serialization.json().valueToTree(client.genericKubernetesResources(
                        "cdi.kubevirt.io/v1beta1", "DataVolume").inNamespace("migrated").withName("web-1-disk-0").get());
                JsonNode imageio = dataVolume.at("/spec/source/imageio");
                assertThat(imageio.path("url").asText()).isEqualTo(engine.apiUrl());
                assertThat(imageio.path("diskId").asText()).isEqualTo("d-web-0");
                assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();
                var secret = client.secrets().inNamespace("migrated").withName(imageio.path("secretRef").asText()).get();
                assertThat(secret.getStringData()).containsEntry("accessKeyId", FakeOvirtEngine.USER)
                        .containsEntry("secretKey", password);
                var ca = client.configMaps().inNamespace("migrated").withName(imageio.path("certConfigMap").asText())
                        .get();
                assertThat(ca.getData().get("ca.pem").strip()).isEqualTo(engine.caPem().replace("\r\n", "\n").strip());
                assertThat(engine.actions()).contains("vm-web shutdown");
                assertThat(engine.transfers()).as("CDI transfers, not vmlift").isEmpty();
            } finally {
                cluster.close();
            }
        }
    }
}
