package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.testing.Cli;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.KubevirtSubresources;
import io.vmlift.testing.MockApiServer;
import io.vmlift.testing.TinyWeb;
import io.vmlift.testing.VirtHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TestSuites on a cluster: tiny-web is migrated by vmlift into the test cluster (uploaded through its CDI upload
 * proxy), the test peer's virt-handler runs the VMI as a real guest from the uploaded bytes, and `vmlift test`
 * checks it only through KubeVirt's APIs: the launcher pod's console log, the VMI's portforward (HTTP, TCP, SSH)
 * and guestosinfo subresources.
 */
class ClusterSuiteTest {
    @TempDir
    Path dir;
    private KubernetesMockServer server;
    private KubernetesClient client;
    private FakeKubevirt cluster;
    private VirtHandler guests;

    @AfterEach
    void stop() {
        if (guests != null) {
            guests.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void theMigratedGuestPassesItsSuiteThroughKubevirtsSubresources() throws Exception {
        KubevirtSubresources.negotiatePlainKubevirtProtocol();
        KubevirtSubresources[] subresources = new KubevirtSubresources[1];
        server = MockApiServer.start(dispatcher -> subresources[0] = new KubevirtSubresources(dispatcher));
        client = server.createClient();
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        cluster.prepareTarget("migrated", "standard");
        guests = new VirtHandler(client, cluster, Set.of(22, 80, 6553), Files.createDirectories(dir.resolve("guests")));
        cluster.runGuestsWith(guests);
        subresources[0].runGuestsWith(guests);
        Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());

        Path ova = TinyWeb.ova();
        Path docs = io.vmlift.testing.OvaShare.plan(dir, io.vmlift.testing.OvaShare.of(dir, ova), "tiny-web",
                "migrated", "standard");
        // The OVA's VM is off; the migrated one must run to be tested (Forklift's targetPowerState).
        Files.writeString(docs.resolve("plan.yaml"), Files.readString(docs.resolve("plan.yaml"))
                .replaceFirst("(?m)^spec:\n", "spec:\n  targetPowerState: \"on\"\n"));
        Cli.Run migrate = Cli.run("migrate", "-f", docs, "--kubeconfig", kubeconfig, "--upload-proxy-url",
                cluster.uploadProxy(), "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();

        Path suite = Files.writeString(dir.resolve("suite.yaml"), """
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: web-smoke}
                spec:
                  checks:
                  - {name: boots, type: console, expect: "vmlift-guest-ready", timeout: 180s}
                  - {name: web, type: http, port: 80, expectBody: "served by tiny-web", timeout: 30s}
                  - {name: web-port, type: tcp, port: 80, timeout: 20s}
                  - {name: quiet, type: tcp, port: 6553, expect: closed, timeout: 20s}
                  - {name: agent, type: guestAgent, timeout: 60s}
                  - {name: named, type: command, command: [hostname], expectOutput: "^tiny-web$",
                     credentials: {secret: {name: guest-ssh}}, timeout: 30s}
                  - {name: disks, type: disks, credentials: {secret: {name: guest-ssh}}, timeout: 30s}
                ---
                """ + TinyWeb.LOGIN_SECRET);
        Path junit = dir.resolve("junit.xml");
        Cli.Run test = Cli.run("test", "-f", docs, "-f", suite, "--kubeconfig", kubeconfig, "--junit", junit,
                "--ready-timeout", "30");

        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.out()).contains("console: vmlift-guest-ready tiny-web")
                .contains("HTTP 200 from guest port 80/").contains("guest port 80: the connection stayed open")
                .contains("guest agent: tiny-web (Debian 12 kernel, busybox)").contains("exit 0, output: tiny-web")
                .contains("the guest sees [vda 67108864 bytes]");
        assertThat(Files.readString(junit)).contains("failures=\"0\"").contains("name=\"web-smoke/named\"");
    }
}
