package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.TinyWeb;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test stage on a real guest: tiny-web (a Linux guest built from Debian packages, exported as VMware would)
 * is migrated by vmlift into a folder, booted by `vmlift test --boot` with QEMU from the manifest vmlift wrote,
 * and its TestSuite checks what the guest really does: its console, its web server, its ports.
 */
class BootedGuestTest {
    private static final String SUITE = """
            apiVersion: vmlift.io/v1alpha1
            kind: TestSuite
            metadata: {name: web-smoke, namespace: migrations}
            spec:
              plan: {name: wave}
              vms: [tiny-web]
              checks:
              - {name: boots, type: console, expect: "vmlift-guest-ready", timeout: 180s}
              - {name: web, type: http, port: 80, path: /, expectStatus: 200, expectBody: "Welcome", timeout: 60s}
              - {name: web-port, type: tcp, port: 80}
              - {name: quiet, type: tcp, port: 6553, expect: closed, severity: warn, timeout: 10s}
              - {name: agent, type: guestAgent, timeout: 60s}
              - {name: disks, type: disks, timeout: 60s}
              - {name: served, type: command, command: [sh, -c, "pidof httpd"], expectOutput: "^[0-9]+$",
                 credentials: {secret: {name: guest-ssh}}, timeout: 60s}
              - {name: named, type: command, command: [hostname], expectOutput: "^tiny-web",
                 credentials: {secret: {name: guest-ssh}}}
            ---
            """ + TinyWeb.LOGIN_SECRET;

    @TempDir
    Path dir;

    /** A share with the OVA, maps and a plan for its one VM, migrated into dir/out. */
    private Path migrated(Path ova, String vm) throws Exception {
        Path docs = io.vmlift.testing.OvaShare.plan(dir, io.vmlift.testing.OvaShare.of(dir, ova), vm, "wave", null);
        Cli.Run migrate = Cli.run("migrate", "-f", docs, "--output-dir", dir.resolve("out"), "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        return docs;
    }

    /** BIOS (SeaBIOS, syslinux) and EFI (OVMF, the kernel as an EFI program): the manifest's firmware boots. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-web", "tiny-web-efi"})
    void theMigratedGuestBootsFromItsManifestAndServesWhatItsSuiteExpects(String vm) throws Exception {
        Path docs = migrated(vm.endsWith("-efi") ? TinyWeb.ova("--efi") : TinyWeb.ova(), vm);
        Path suite = Files.writeString(dir.resolve("suite.yaml"), SUITE.replace("vms: [tiny-web]", "vms: [" + vm + "]"));
        Path junit = dir.resolve("junit.xml");
        Path report = dir.resolve("report.json");
        Cli.Run test = Cli.run("test", "-f", docs, "-f", suite, "--output-dir", dir.resolve("out"), "--boot",
                "--junit", junit, "--report", report);

        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.err()).contains(vm + ": booting with QEMU").contains("running under");
        assertThat(test.out()).contains("web-smoke/boots").contains("vmlift-guest-ready " + vm + " eth0=10.0.2.15");
        assertThat(Files.readString(dir.resolve("out/wave/" + vm + "/virtualmachine.yaml")))
                .contains(vm.endsWith("-efi") ? "efi:" : "bios:");
        String xml = Files.readString(junit);
        assertThat(xml).contains("name=\"web-smoke/web\"").contains("served by " + vm)
                .contains("failures=\"0\"");
        JsonNode checks = Serialization.json().readTree(report.toFile()).at("/vms/0/checks");
        JsonNode web = null;
        for (JsonNode check : checks) {
            if (check.path("name").asText().equals("web-smoke/web")) {
                web = check;
            }
        }
        assertThat(web).isNotNull();
        assertThat(web.path("passed").asBoolean()).isTrue();
        assertThat(web.path("evidence").asText()).startsWith("HTTP 200 from guest port 80/");
        assertThat(test.out()).contains("guest agent: tiny-web (Debian 12 kernel, busybox)")
                .contains("the source said debian12_64Guest");
        assertThat(test.out()).contains("the guest sees [vda 67108864 bytes]"); // virtio, as the manifest said
        assertThat(test.out()).contains("exit 0, output: " + vm).doesNotContain("tw-guest-pass");
        assertThat(xml).doesNotContain("password");
        // The migrated image was never written: booting ran on an overlay.
        Cli.Run again = Cli.run("test", "-f", docs, "--output-dir", dir.resolve("out"));
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("disk 0 contents match the source");
    }

    @Test
    void aGuestWhoseServiceIsDownFailsItsGateWithTheEvidence() throws Exception {
        Path docs = migrated(TinyWeb.ova("--broken"), "tiny-web-broken");
        Path suite = Files.writeString(dir.resolve("suite.yaml"), SUITE.replace("vms: [tiny-web]",
                "vms: [tiny-web-broken]").replace("timeout: 60s", "timeout: 15s")
                .replace("{name: web-port, type: tcp, port: 80}", "{name: web-port, type: tcp, port: 80, timeout: 5s}"));
        Path junit = dir.resolve("junit.xml");
        Cli.Run test = Cli.run("test", "-f", docs, "-f", suite, "--output-dir", dir.resolve("out"), "--boot",
                "--junit", junit);

        assertThat(test.exitCode()).as(test.toString()).isEqualTo(5);
        assertThat(test.err()).contains("failed");
        String xml = Files.readString(junit);
        // It booted (the console check passed) but nothing serves port 80.
        assertThat(xml).contains("vmlift-guest-ready tiny-web-broken");
        assertThat(xml).containsPattern("name=\"web-smoke/web\" time=\"[0-9.]+\"><failure message=\"not met within 15 s");
        assertThat(xml).contains("name=\"web-smoke/web-port\"").contains("the connection was closed at once");
        // Over SSH: no web server process.
        assertThat(xml).containsPattern("name=\"web-smoke/served\" time=\"[0-9.]+\"><failure message=\"not met within 15 s"
                + "[^\"]*exit 1");
    }

    @Test
    void aSuiteWithAnUnknownCheckTypeOrFieldIsBadInputWithItsLine() throws Exception {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: odd}
                spec:
                  checks:
                  - {name: ping, type: icmp}
                """);
        Cli.Run run = Cli.run("plan", "-f", io.vmlift.testing.Example.copyTo(docs), "-f", bad);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("bad.yaml:").contains("'icmp' is not a check type").hasLineCount(1);

        Path misspelt = Files.writeString(dir.resolve("misspelt.yaml"), """
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: odd}
                spec:
                  checks:
                  - {name: web, type: http, prot: 80}
                """);
        run = Cli.run("plan", "-f", io.vmlift.testing.Example.copyTo(dir.resolve("docs2")), "-f", misspelt);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("misspelt.yaml:").contains("prot").hasLineCount(1);

        Path portless = Files.writeString(dir.resolve("portless.yaml"), """
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: odd}
                spec:
                  checks:
                  - {name: web, type: http, timeout: 99999999999s}
                """);
        run = Cli.run("plan", "-f", io.vmlift.testing.Example.copyTo(dir.resolve("docs3")), "-f", portless);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("portless.yaml:").contains("spec.checks[0] (web)").hasLineCount(1);
    }
}
