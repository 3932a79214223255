package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.OvaShare;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TinyDebian;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest conversion with virt-v2v-in-place (Debian's virt-v2v 2.2, its appliance under TCG here) on a real guest:
 * tiny-debian, whose initramfs has SATA drivers only, boots from a SATA manifest and not from the virtio one
 * vmlift writes for Linux guests; converted, it boots on virtio under `test --boot`. And a conversion that fails
 * (a disk with no operating system) fails the VM with virt-v2v's reason and leaves the disks as they were copied.
 */
class GuestConversionTest {
    private static final String SUITE = """
            apiVersion: vmlift.io/v1alpha1
            kind: TestSuite
            metadata: {name: boots}
            spec:
              checks:
              - {name: ready, type: console, expect: "vmlift-guest-ready", timeout: 150s}
            """;

    @TempDir
    Path dir;

    private Cli.Run migrate(Path docs, Path out) {
        return Cli.run("migrate", "-f", docs, "--output-dir", out, "--progress", "plain", "--progress-interval", "60");
    }

    private Cli.Run bootTest(Path docs, Path out, String timeout) throws Exception {
        Path suite = Files.writeString(dir.resolve("suite.yaml"), SUITE.replace("150s", timeout));
        return Cli.run("test", "-f", docs, "-f", suite, "--output-dir", out, "--boot", "--junit",
                out.resolve("junit.xml"));
    }

    @Test
    void aGuestThatCannotBootOnVirtioBootsAfterConversion() throws Exception {
        Path docs = OvaShare.plan(dir, OvaShare.of(dir, TinyDebian.ova()), "tiny-debian", "wave", null);

        // Unconverted: vmlift gives a Linux guest virtio, and this one cannot find its root disk there.
        Path plain = dir.resolve("plain");
        Cli.Run copied = migrate(docs, plain);
        assertThat(copied.exitCode()).as(copied.toString()).isZero();
        Path manifest = plain.resolve("wave/tiny-debian/virtualmachine.yaml");
        assertThat(Files.readString(manifest)).contains("bus: virtio");
        Cli.Run noBoot = bootTest(docs, plain, "75s");
        assertThat(noBoot.exitCode()).as(noBoot.toString()).isEqualTo(5);
        assertThat(Files.readString(plain.resolve("junit.xml"))).contains("boots/ready")
                .contains("does not exist").contains("Dropping to a shell");
        // The same disk on SATA, as at the source, boots.
        Files.writeString(manifest, Files.readString(manifest).replace("bus: virtio", "bus: sata"));
        Cli.Run sata = bootTest(docs, plain, "150s");
        assertThat(sata.exitCode()).as(sata.toString()).isZero();

        // Converted: the plan asks for it; virt-v2v puts virtio into the initramfs, and virtio boots.
        TinyDebian.annotate(docs.resolve("plan.yaml"), "virt-v2v");
        Path converted = dir.resolve("converted");
        Cli.Run migrated = migrate(docs, converted);
        assertThat(migrated.exitCode()).as(migrated.toString()).isZero();
        assertThat(migrated.err()).contains("tiny-debian: ConvertGuest").contains("Converting")
                .containsPattern("converted in [0-9]+ s");
        JsonNode record = Serialization.json().readTree(converted.resolve("wave.status.json").toFile());
        JsonNode conversion = record.at("/vms/0/conversion");
        assertThat(conversion.path("tool").asText()).isEqualTo("virt-v2v-in-place");
        assertThat(conversion.path("virtioDrivers").asBoolean()).isTrue();
        assertThat(conversion.path("notes").toString()).contains("This guest has virtio drivers installed");
        assertThat(Files.readString(converted.resolve("wave/tiny-debian/virtualmachine.yaml"))).contains("bus: virtio")
                .doesNotContain("bus: sata");
        assertThat(converted.resolve("wave/tiny-debian/.v2v")).doesNotExist();
        Cli.Run boots = bootTest(docs, converted, "150s");
        assertThat(boots.exitCode()).as(boots.toString()).isZero();
        assertThat(Files.readString(converted.resolve("junit.xml"))).contains("guest converted by virt-v2v-in-place")
                .contains("virtio drivers installed").contains("failures=\"0\"");

        // A rerun finds the converted disks complete and the conversion recorded: nothing is converted twice.
        Cli.Run again = migrate(docs, converted);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).contains("already migrated");
    }

    @Test
    void aFailedConversionFailsTheVmWithItsReasonAndKeepsTheDisksAsCopied() throws Exception {
        // The example's disks hold file systems but no operating system: virt-v2v's inspection finds nothing.
        Path docs = Example.copyTo(dir);
        TinyDebian.annotate(docs.resolve("plan.yaml"), "virt-v2v");
        Path out = dir.resolve("out");
        Cli.Run run = migrate(docs, out);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(5);
        assertThat(run.err()).contains("guest conversion failed: inspection could not detect the source guest")
                .contains("the disks are as they were before it");
        JsonNode vm = Serialization.json().readTree(out.resolve("example-wave-1.status.json").toFile()).at("/vms/0");
        assertThat(vm.path("phase").asText()).isEqualTo("Failed");
        assertThat(vm.at("/error/phase").asText()).isEqualTo("ConvertGuest");
        assertThat(vm.path("conversion").isNull() || vm.path("conversion").isMissingNode()).isTrue();
        // deleteVmOnFailMigration is not set: the disks stay, byte for byte as copied from the OVA.
        Path extracted = io.vmlift.testing.OvaFiles.extract(docs.resolve("example-vm.ova"), dir.resolve("ova"));
        assertThat(QemuImg.compare(extracted.resolve("example-vm-disk1.vmdk"),
                out.resolve("migrated/example-vm/example-vm-disk-0.qcow2")).exitCode()).isZero();
        assertThat(out.resolve("migrated/example-vm/.v2v")).doesNotExist();
    }
}
