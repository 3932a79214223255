package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.testing.Cli;
import io.vmlift.testing.OvfStandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A VM that changed between plan and migrate is not migrated as if it had not. */
class PlanDriftTest {
    @TempDir
    Path workspace;

    @Test
    void aVmThatChangedSinceThePlanIsCriticalUnlessAsked() throws Exception {
        Path share = Files.createDirectories(workspace.resolve("ova-share"));
        Path ovf = OvfStandIns.standIn(OvfStandIns.realworld().resolve("ovf/govmomi-xp-multinic.ovf"), share);
        Path docs = Files.createDirectories(workspace.resolve("docs"));
        Files.writeString(docs.resolve("providers.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: share}
                spec: {type: ova, url: ../ova-share}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: host}
                spec: {type: openshift}
                """);
        assertThat(Cli.run("map", "-f", docs.resolve("providers.yaml"), "--target-namespace", "wave1",
                "--output-file", docs.resolve("maps.yaml")).exitCode()).isZero();
        Cli.Run plan = Cli.run("plan", "-f", docs, "--vm", "xp-multinic", "--name", "wave-1", "--target-namespace",
                "wave1", "--plan-file", docs.resolve("plan.yaml"));
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(Files.readString(docs.resolve("plan.yaml"))).contains("vmlift.io/vm-fingerprints");
        assertThat(Cli.run("plan", "-f", docs).exitCode()).isZero();

        // Someone gives the VM more memory before the wave runs.
        String xml = Files.readString(ovf);
        String memory = "<rasd:VirtualQuantity>512</rasd:VirtualQuantity>";
        assertThat(xml).contains(memory);
        Files.writeString(ovf, xml.replace(memory, "<rasd:VirtualQuantity>1024</rasd:VirtualQuantity>"));

        Cli.Run checked = Cli.run("plan", "-f", docs);
        assertThat(checked.exitCode()).as(checked.toString()).isEqualTo(3);
        assertThat(checked.out()).contains("VMChangedSincePlan");
        Cli.Run refused = Cli.run("migrate", "-f", docs, "--output-dir", workspace.resolve("out"), "--progress", "none");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err()).contains("VMChangedSincePlan");
        assertThat(workspace.resolve("out/wave1")).doesNotExist();
        Cli.Run asked = Cli.run("migrate", "-f", docs, "--output-dir", workspace.resolve("out"), "--progress", "none",
                "--ignore-changes");
        assertThat(asked.exitCode()).as(asked.toString()).isZero();
        assertThat(Files.readString(workspace.resolve("out/wave1/xp-multinic/virtualmachine.yaml")))
                .contains("guest: 1024Mi");

        // Recording the plan again accepts the VM as it is now.
        assertThat(Cli.run("plan", "-f", docs, "--plan-file", docs.resolve("plan.yaml")).exitCode()).isZero();
        assertThat(Cli.run("plan", "-f", docs).exitCode()).isZero();
    }
}
