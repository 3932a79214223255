package io.vmlift.source.ovirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.FakeOvirtEngine;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TestDisks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The oVirt source through the engine's Java SDK against a test engine that speaks the documented API (SSO,
 * collections with follow, VM actions, image transfers and an imageio data endpoint): connect, inventory, plan
 * concerns, a cold migration, and the ways a login fails.
 */
class OvirtProviderTest {
    private static final String PASSWORD = "engine-pass-" + ProcessHandle.current().pid();

    @TempDir
    static Path dir;
    static FakeOvirtEngine engine;

    @BeforeAll
    static void start() throws Exception {
        engine = new FakeOvirtEngine(dir.resolve("engine"), PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    private Path documents(String name, Map<String, String> secret) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        StringBuilder yaml = new StringBuilder("""
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: engine, namespace: vmlift}
                spec:
                  type: ovirt
                  url: %s
                  secret: {name: engine-credentials, namespace: vmlift}
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
                """.formatted(engine.apiUrl()));
        secret.forEach((key, value) -> yaml.append("  ").append(key).append(": |-\n")
                .append(value.indent(4).stripTrailing()).append('\n'));
        Files.writeString(folder.resolve("providers.yaml"), yaml);
        return folder;
    }

    private Map<String, String> login() {
        Map<String, String> secret = new HashMap<>();
        secret.put("user", FakeOvirtEngine.USER);
        secret.put("password", PASSWORD);
        secret.put("cacert", engine.caPem());
        return secret;
    }

    @Test
    void inventoryReadsVmsDisksNicsNetworksAndStorageDomains() throws Exception {
        Cli.Run run = Cli.run("inventory", "-f", documents("inventory", login()), "-o", "json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode inventory = Serialization.json().readTree(run.out());
        JsonNode web = inventory.path("vms").get(0);
        assertThat(web.path("name").asText()).isEqualTo("web-1");
        assertThat(web.path("cpus").asInt()).isEqualTo(4);
        assertThat(web.path("coresPerSocket").asInt()).isEqualTo(2);
        assertThat(web.path("memoryMiB").asLong()).isEqualTo(4096);
        assertThat(web.path("firmware").asText()).isEqualTo("efi");
        assertThat(web.path("powerState").asText()).isEqualTo("on");
        assertThat(web.at("/disks/0/capacityBytes").asLong()).isEqualTo(20L << 30);
        assertThat(web.at("/disks/0/format").asText()).isEqualTo("cow");
        assertThat(web.at("/disks/0/storageId").asText()).isEqualTo("sd-data");
        assertThat(web.at("/disks/0/bus").asText()).isEqualTo("scsi");
        assertThat(web.at("/nics/0/mac").asText()).isEqualTo("56:6f:1a:2b:00:01");
        assertThat(web.at("/nics/0/network").asText()).isEqualTo("app");
        JsonNode db = inventory.path("vms").get(1);
        assertThat(db.path("powerState").asText()).isEqualTo("off");
        assertThat(db.path("disks").findValuesAsText("rawDeviceMapping")).containsExactly("lun");
        assertThat(inventory.path("networks").findValuesAsText("name")).containsExactly("ovirtmgmt", "app");
        assertThat(inventory.path("networks").get(1).path("vlan").asText()).isEqualTo("20");
        assertThat(inventory.path("storage").findValuesAsText("name")).containsExactly("data", "fast");
        assertThat(run.out() + run.err()).doesNotContain(PASSWORD);
    }

    /** The maps and a Plan wave-1 of the given VM entries (YAML flow items). */
    private static String planOf(String vms) {
        return maps() + """
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: wave-1, namespace: vmlift}
                spec:
                  targetNamespace: migrated
                  provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                  map: {network: {name: engine-networks, namespace: vmlift}, storage: {name: engine-storage, namespace: vmlift}}
                  vms: [%s]
                """.formatted(vms);
    }

    @ParameterizedTest
    @EnumSource(value = FakeOvirtEngine.Fault.class, names = {"DISK_ILLEGAL", "DISK_LOCKED"})
    void anIllegalOrLockedDiskBlocksItsVm(FakeOvirtEngine.Fault status) throws Exception {
        engine.breakWith(status);
        try {
            Path folder = documents("disk-status", login());
            Files.writeString(folder.resolve("plan.yaml"), planOf("{name: web-1}"));
            Cli.Run plan = Cli.run("plan", "-f", folder, "-o", "json");
            assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
            String id = status == FakeOvirtEngine.Fault.DISK_ILLEGAL ? "ovirt.disk.illegal" : "ovirt.disk.locked";
            List<String> critical = new ArrayList<>();
            Serialization.json().readTree(plan.out()).path("concerns").forEach(c -> {
                if (c.path("category").asText().equals("Critical")) {
                    critical.add(c.path("id").asText() + " " + c.path("vm").asText());
                }
            });
            assertThat(critical).containsExactly(id + " web-1");
        } finally {
            engine.breakWith(FakeOvirtEngine.Fault.NONE);
        }
    }

    @Test
    void planConcernsFollowForkliftsOvirtRules() throws Exception {
        Path folder = documents("plan", login());
        Files.writeString(folder.resolve("plan.yaml"), planOf("{name: web-1}, {name: db-1}"));
        Cli.Run plan = Cli.run("plan", "-f", folder, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
        JsonNode concerns = Serialization.json().readTree(plan.out()).path("concerns");
        assertThat(concerns.findValuesAsText("id")).contains("ovirt.disk.lun", "ovirt.disk.shared",
                "ovirt.host_devices", "ovirt.nic.pci_passthrough", "ovirt.cpu_tune", "ovirt.numa_tune", "ovirt.usb",
                "ovirt.watchdog", "ovirt.ha", "ovirt.ballooned_memory");
        Map<String, String> categories = new HashMap<>();
        concerns.forEach(c -> categories.put(c.path("id").asText(), c.path("category").asText()));
        assertThat(categories).containsEntry("ovirt.host_devices", "Critical").containsEntry("ovirt.usb", "Warning")
                .containsEntry("ovirt.ha", "Information");
        for (JsonNode concern : concerns) {
            if (concern.path("id").asText().startsWith("ovirt.")) {
                assertThat(concern.path("vm").asText()).as(concern.toString()).isEqualTo("db-1");
            }
        }
    }

    @Test
    void coldMigrationDownloadsThroughImageTransfersAndEndsEachOne() throws Exception {
        Path raw = TestDisks.raw(dir.resolve("web-1.raw"), 8L << 20, 3, 0, 1 << 20, 5L << 20, 2L << 20);
        engine.diskData("d-web-0", raw);
        Path folder = webPlan("migrate");
        Path out = dir.resolve("migrate-out");
        Cli.Run migrate = Cli.run("migrate", "-f", folder, "--output-dir", out, "--progress", "plain",
                "--power-off-timeout", "5");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(engine.actions()).contains("vm-web shutdown");
        Path image = out.resolve("migrated/web-1/web-1-disk-0.qcow2");
        assertThat(QemuImg.compare(raw, image).exitCode()).isZero();

        Cli.Run test = Cli.run("test", "-f", folder, "--output-dir", out);
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(engine.transfers()).isNotEmpty().allMatch(t -> t.startsWith("t-") && t.contains(" d-web-0 ")
                && t.endsWith(" finished_success"));
    }

    private Path webPlan(String name) throws Exception {
        Path folder = documents(name, login());
        Files.writeString(folder.resolve("plan.yaml"), maps() + """
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: web, namespace: vmlift}
                spec:
                  targetNamespace: migrated
                  provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                  map: {network: {name: engine-networks, namespace: vmlift}, storage: {name: engine-storage, namespace: vmlift}}
                  vms: [{name: web-1}]
                """);
        return folder;
    }

    @Test
    void aFailedTransferIsCancelledTheSourcePoweredBackOnAndTheRunExits5() throws Exception {
        engine.diskData("d-web-0", TestDisks.raw(dir.resolve("web-1-fail.raw"), 4L << 20, 4, 0, 1 << 20));
        Path folder = webPlan("transfer-fails");
        engine.start("vm-web");
        engine.breakWith(FakeOvirtEngine.Fault.TRANSFER_FAILS);
        try {
            Cli.Run migrate = Cli.run("migrate", "-f", folder, "--output-dir", dir.resolve("fail-out"),
                    "--progress", "plain", "--power-off-timeout", "5");
            assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(5);
            assertThat(migrate.err()).contains("finished_failure").contains("powered back on");
        } finally {
            engine.breakWith(FakeOvirtEngine.Fault.NONE);
        }
        assertThat(engine.vmStatus("vm-web")).isEqualTo("up");
        List<String> transfers = engine.transfers();
        assertThat(transfers.get(transfers.size() - 1)).endsWith(" cancelled");
    }

    @Test
    void aVmDeletedAfterThePlanFailsWithExit5AndSaysSo() throws Exception {
        Path folder = webPlan("deleted");
        engine.delete("vm-web");
        try {
            Cli.Run migrate = Cli.run("migrate", "-f", folder, "--output-dir", dir.resolve("deleted-out"),
                    "--progress", "plain");
            assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(5);
            assertThat(migrate.err()).contains("VM web-1 (vm-web) is gone from the engine (HTTP 404)");
            assertThat(engine.transfers().stream().filter(t -> t.endsWith(" transferring")).toList()).isEmpty();
        } finally {
            engine.start("vm-web");
        }
    }

    @Test
    void aDownloadCutMidwayResumesFromItsLastByte() throws Exception {
        Path raw = TestDisks.raw(dir.resolve("web-1-cut.raw"), 12L << 20, 5, 0, 6L << 20, 9L << 20, 3L << 20);
        engine.diskData("d-web-0", raw);
        Path folder = webPlan("cut");
        engine.breakWith(FakeOvirtEngine.Fault.CUT_DOWNLOADS);
        try {
            Path out = dir.resolve("cut-out");
            Cli.Run migrate = Cli.run("migrate", "-f", folder, "--output-dir", out, "--progress", "plain",
                    "--power-off-timeout", "5");
            assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
            assertThat(engine.cutDownloads()).isPositive();
            assertThat(QemuImg.compare(raw, out.resolve("migrated/web-1/web-1-disk-0.qcow2")).exitCode()).isZero();
        } finally {
            engine.breakWith(FakeOvirtEngine.Fault.NONE);
        }
    }

    @Test
    void anExpiredTokenOrAnUnreachableEngineExits4() throws Exception {
        engine.breakWith(FakeOvirtEngine.Fault.EXPIRED_TOKEN);
        try {
            Cli.Run expired = Cli.run("inventory", "-f", documents("expired", login()));
            assertThat(expired.exitCode()).as(expired.toString()).isEqualTo(4);
            assertThat(expired.err().lines().count()).isEqualTo(1);
        } finally {
            engine.breakWith(FakeOvirtEngine.Fault.NONE);
        }
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path folder = documents("unreachable", login());
        Path providers = folder.resolve("providers.yaml");
        Files.writeString(providers, Files.readString(providers).replace(engine.apiUrl(),
                "https://127.0.0.1:" + closedPort + "/ovirt-engine/api"));
        Cli.Run unreachable = Cli.run("connect", "-f", folder);
        assertThat(unreachable.exitCode()).as(unreachable.toString()).isEqualTo(4);
        assertThat(unreachable.err()).contains("after " + OvirtProviderFactory.LOGIN_ATTEMPTS + " attempts");
    }

    private static String maps() {
        return """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: NetworkMap
                metadata: {name: engine-networks, namespace: vmlift}
                spec:
                  provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                  map:
                    - {source: {name: app}, destination: {type: pod}}
                    - {source: {name: ovirtmgmt}, destination: {type: pod}}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: StorageMap
                metadata: {name: engine-storage, namespace: vmlift}
                spec:
                  provider: {source: {name: engine, namespace: vmlift}, destination: {name: host, namespace: vmlift}}
                  map:
                    - {source: {name: data}, destination: {storageClass: standard}}
                    - {source: {name: fast}, destination: {storageClass: standard}}
                """;
    }

    @Test
    void aWrongPasswordExits4WithLoginFailedForUserAtUrl() throws Exception {
        Map<String, String> secret = login();
        secret.put("password", "not-the-password");
        Cli.Run run = Cli.run("connect", "-f", documents("wrong", secret));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        assertThat(run.err()).contains("login failed for " + FakeOvirtEngine.USER + " at " + engine.apiUrl())
                .doesNotContain("not-the-password");
        assertThat(run.err().lines().count()).isEqualTo(1);
    }

    @Test
    void anUntrustedEngineIsRefusedUnlessTheSecretSaysInsecure() throws Exception {
        Map<String, String> secret = login();
        secret.remove("cacert");
        Cli.Run refused = Cli.run("connect", "-f", documents("untrusted", secret));
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(4);
        assertThat(refused.err()).contains("TLS check failed").contains("cacert");
        secret.put("insecureSkipVerify", "true");
        Cli.Run insecure = Cli.run("connect", "-f", documents("insecure", secret));
        assertThat(insecure.exitCode()).as(insecure.toString()).isZero();
    }
}
