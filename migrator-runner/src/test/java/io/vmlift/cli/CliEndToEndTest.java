package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.OvaFiles;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole flow through the CLI on the bundled example, checked with qemu-img and by reading what was written. */
class CliEndToEndTest {
    @TempDir
    Path dir;
    private Path example;
    private Path out;

    @BeforeEach
    void copyExample() throws IOException {
        example = Example.copyTo(dir);
        out = dir.resolve("out");
    }

    @Test
    void migratesTheExampleAndItsImagesMatchTheSourceDisks() throws Exception {
        Path results = dir.resolve("results");
        Cli.Run migrate = Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "plain",
                "--results-dir", results);
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(migrate.err()).contains("example-vm: CopyDisks").contains("example-vm: Completed");

        Path vmFolder = out.resolve("migrated/example-vm");
        Path extracted = OvaFiles.extract(example.resolve("example-vm.ova"), dir.resolve("extracted"));
        for (int disk = 0; disk < 2; disk++) {
            Path image = vmFolder.resolve("example-vm-disk-" + disk + ".qcow2");
            Path sourceDisk = extracted.resolve("example-vm-disk" + (disk + 1) + ".vmdk");
            assertThat(QemuImg.compare(sourceDisk, image).exitCode()).as("qemu-img compare disk " + disk).isZero();
            QemuImg.require("check", image.toString());
        }
        // The mostly empty 2 GiB data disk costs about its 1 MiB of data, not its virtual size.
        assertThat(Files.size(vmFolder.resolve("example-vm-disk-1.qcow2"))).isLessThan(8L << 20);
        assertThat(Files.readString(results.resolve("migrated-vms"))).isEqualTo("[\"example-vm\"]");
        assertThat(Files.readString(results.resolve("migration-status"))).isEqualTo("Succeeded");

        JsonNode vm = Serialization.yaml().readTree(vmFolder.resolve("virtualmachine.yaml").toFile());
        assertThat(vm.at("/spec/template/spec/domain/devices/interfaces/0/macAddress").asText()).isEqualTo("00:50:56:8a:12:01");
        assertThat(vm.at("/spec/template/spec/networks/1/multus/networkName").asText()).isEqualTo("migrated/backend");
        assertThat(vm.at("/spec/runStrategy").asText()).isEqualTo("Always");

        Path junit = dir.resolve("junit.xml");
        Path report = dir.resolve("report.json");
        Cli.Run test = Cli.run("test", "-f", example, "--output-dir", out, "--junit", junit, "--report", report);
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.out()).contains("0 failed");
        assertThat(Files.readString(junit)).contains("failures=\"0\"").contains("interfaces keep the source MACs");
        assertThat(Serialization.json().readTree(report.toFile()).path("vms").get(0).path("checks").size()).isEqualTo(8);

        Cli.Run status = Cli.run("status", "-f", example, "--output-dir", out, "-o", "json");
        assertThat(Serialization.json().readTree(status.out()).path("phase").asText()).isEqualTo("Succeeded");
    }

    @Test
    void theTestStageFailsWithExitFiveWhenAnImageDiffersFromItsSource() throws Exception {
        assertThat(Cli.run("migrate", "-f", example, "--output-dir", out, "--disk-format", "raw", "--progress", "none")
                .exitCode()).isZero();
        Path image = out.resolve("migrated/example-vm/example-vm-disk-1.img");
        try (var file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            long at = (1L << 30) + 12345; // inside the data disk's 1 MiB of data
            file.seek(at);
            int flipped = ~file.readByte() & 0xff;
            file.seek(at);
            file.write(flipped);
        }
        Path junit = dir.resolve("junit.xml");
        Cli.Run test = Cli.run("test", "-f", example, "--output-dir", out, "--disk-format", "raw", "--junit", junit);
        assertThat(test.exitCode()).as(test.toString()).isEqualTo(5);
        assertThat(test.out()).contains("FAIL").contains("contents differ at byte " + ((1L << 30) + 12345));
        assertThat(Files.readString(junit)).contains("failures=\"1\"").contains("<failure");
        assertThat(Cli.run("test", "-f", example, "--output-dir", out, "--disk-format", "raw", "--no-verify-disks")
                .exitCode()).isZero();
    }

    @Test
    void aSecondRunChangesNothing() throws Exception {
        assertThat(Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "none").exitCode()).isZero();
        Path image = out.resolve("migrated/example-vm/example-vm-disk-0.qcow2");
        FileTime before = Files.getLastModifiedTime(image);
        Cli.Run again = Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "plain");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.err()).contains("already migrated");
        assertThat(Files.getLastModifiedTime(image)).isEqualTo(before);
    }

    @Test
    void aRerunAfterAnInterruptedRunCopiesOnlyWhatIsMissing() throws Exception {
        assertThat(Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "none").exitCode()).isZero();
        Path vmFolder = out.resolve("migrated/example-vm");
        FileTime firstDisk = Files.getLastModifiedTime(vmFolder.resolve("example-vm-disk-0.qcow2"));
        // As if the run had died while copying the second disk.
        Files.delete(vmFolder.resolve("virtualmachine.yaml"));
        Files.delete(vmFolder.resolve("example-vm-disk-1.qcow2"));
        Cli.Run rerun = Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "plain");
        assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
        assertThat(rerun.err()).contains("example-vm-disk-0 already copied").contains("copied example-vm-disk-1");
        assertThat(Files.getLastModifiedTime(vmFolder.resolve("example-vm-disk-0.qcow2"))).isEqualTo(firstDisk);
        assertThat(vmFolder.resolve("example-vm-disk-1.qcow2")).exists();
        assertThat(vmFolder.resolve("virtualmachine.yaml")).exists();
    }

    @Test
    void aCorruptDiskFailsWithOneLineExitTwoAndLeavesNothingBehind() throws Exception {
        // With the manifest check off (it would block the plan first, see the manifest test), the reader finds it.
        Files.writeString(example.resolve("providers.yaml"), Files.readString(example.resolve("providers.yaml"))
                .replace("verifyManifest: \"true\"", "verifyManifest: \"false\""));
        Path ova = example.resolve("example-vm.ova");
        OvaFiles.rewrite(ova, ova, "example-vm-disk2.vmdk", bytes -> {
            // Overwrite the middle of the image, where the compressed grains are.
            for (int i = bytes.length / 2; i < bytes.length / 2 + 4096; i++) {
                bytes[i] = (byte) 0xA5;
            }
            return bytes;
        });
        Cli.Run run = Cli.run("migrate", "-f", example, "--output-dir", out, "--progress", "none");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains("Example VM").contains("example-vm-disk2.vmdk").doesNotContain("Exception");
        try (Stream<Path> left = Files.walk(out)) {
            assertThat(left.map(p -> out.relativize(p).toString()))
                    .as("only the state record and its lock file may remain")
                    .allMatch(p -> p.isEmpty() || p.equals("example-wave-1.status.json")
                            || p.equals("example-wave-1.status.json.lock") || p.equals("migrated"));
        }
    }

    @Test
    void aDiskThatNoLongerMatchesTheOvaManifestBlocksThePlan() throws Exception {
        Path ova = example.resolve("example-vm.ova");
        OvaFiles.rewrite(ova, ova, "example-vm-disk1.vmdk", bytes -> {
            bytes[bytes.length - 600] ^= 1; // one bit, somewhere the VMDK reader would not notice
            return bytes;
        });
        Cli.Run plan = Cli.run("plan", "-f", example, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(3);
        JsonNode concerns = Serialization.json().readTree(plan.out()).path("concerns");
        assertThat(concerns.findValuesAsText("id")).contains("ova.manifest.mismatch");
        assertThat(concerns.findValuesAsText("label")).anyMatch(l -> l.contains("example-vm-disk1.vmdk has SHA256"));
    }

    @Test
    void badInputGetsOneLineWithWhereAndItsExitCode() throws Exception {
        Files.writeString(example.resolve("plan.yaml"), Files.readString(example.resolve("plan.yaml"))
                .replace("  targetNamespace: migrated", "  targetNamespace: migrated\n  tpye: cold"));
        Cli.Run unknownField = Cli.run("plan", "-f", example);
        assertThat(unknownField.exitCode()).isEqualTo(2);
        assertThat(unknownField.err()).contains("plan.yaml:9: unknown field 'spec.tpye'");

        Files.writeString(example.resolve("plan.yaml"), "kind: [oops\n");
        Cli.Run malformed = Cli.run("plan", "-f", example.resolve("plan.yaml"));
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("plan.yaml:1: malformed YAML").hasLineCount(1);

        assertThat(Cli.run("inventory", "-f", dir.resolve("missing.yaml")).exitCode()).isEqualTo(2);

        // An inventory that is empty, or of another provider, is not used.
        Path empty = Files.writeString(dir.resolve("empty.json"), "{}");
        Cli.Run fromEmpty = Cli.run("map", "-f", Example.folder(), "--inventory", empty);
        assertThat(fromEmpty.exitCode()).isEqualTo(2);
        assertThat(fromEmpty.err()).contains("not an inventory");
        Path foreign = Files.writeString(dir.resolve("foreign.json"),
                "{\"provider\": {\"name\": \"other\", \"type\": \"ova\"}, \"vms\": [], \"networks\": [], \"storage\": []}");
        Cli.Run fromForeign = Cli.run("map", "-f", Example.folder(), "--inventory", foreign);
        assertThat(fromForeign.exitCode()).isEqualTo(2);
        assertThat(fromForeign.err()).contains("of provider 'other', not 'example-ova'");

        // A setting that would switch a check off by a typo is an error, not a silent false.
        Files.writeString(example.resolve("providers.yaml"), Files.readString(example.resolve("providers.yaml"))
                .replace("verifyManifest: \"true\"", "verifyManifest: \"yes\""));
        Cli.Run setting = Cli.run("inventory", "-f", example.resolve("providers.yaml"));
        assertThat(setting.exitCode()).isEqualTo(2);
        assertThat(setting.err()).contains("providers.yaml:12").contains("verifyManifest is 'yes'");

        // Folders that cannot be written are found before any work is done.
        Path blocker = Files.writeString(dir.resolve("a-file"), "in the way");
        Cli.Run results = Cli.run("migrate", "-f", Example.folder(), "--output-dir", out, "--results-dir",
                blocker.resolve("results"));
        assertThat(results.exitCode()).isEqualTo(2);
        assertThat(results.err()).contains("--results-dir").contains("not a writable folder").hasLineCount(1);
        assertThat(out).doesNotExist();
        Cli.Run output = Cli.run("migrate", "-f", Example.folder(), "--output-dir", blocker);
        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err()).contains("--output-dir").contains("a file of that name is in the way");
        assertThat(Cli.run("no-such-command").exitCode()).isEqualTo(2);
    }

    @Test
    void aPlanNamingAMissingVmIsBadInputWithExitTwoAndTheName() throws Exception {
        Files.writeString(example.resolve("plan.yaml"), Files.readString(example.resolve("plan.yaml"))
                .replace("- name: Example VM", "- name: Not There"));
        Cli.Run plan = Cli.run("plan", "-f", example, "-o", "json");
        assertThat(plan.exitCode()).isEqualTo(2);
        JsonNode report = Serialization.json().readTree(plan.out());
        assertThat(report.path("ready").asBoolean()).isFalse();
        assertThat(report.path("concerns").findValuesAsText("id")).contains("VMNotFound");
        Cli.Run migrate = Cli.run("migrate", "-f", example, "--output-dir", out);
        assertThat(migrate.exitCode()).isEqualTo(2);
        assertThat(migrate.err()).contains("VMNotFound (Not There)").contains("plan.yaml:18");
        assertThat(out.resolve("migrated")).doesNotExist();
    }

    @Test
    void mapAndPlanWriteDocumentsThatMigrate() throws Exception {
        Path fresh = dir.resolve("fresh");
        Files.createDirectories(fresh);
        Files.copy(example.resolve("example-vm.ova"), fresh.resolve("example-vm.ova"));
        Files.writeString(fresh.resolve("provider.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: ova-share, namespace: vmlift}
                spec: {type: ova, url: example-vm.ova}
                """);
        Cli.Run connect = Cli.run("connect", "-f", fresh.resolve("provider.yaml"), "--inventory-file",
                fresh.resolve("inventory.json"));
        assertThat(connect.exitCode()).as(connect.toString()).isZero();
        Cli.Run map = Cli.run("map", "-f", fresh.resolve("provider.yaml"), "--inventory", fresh.resolve("inventory.json"),
                "--target-namespace", "wave1", "--output-file", fresh.resolve("maps.yaml"));
        assertThat(map.exitCode()).as(map.toString()).isZero();
        String maps = Files.readString(fresh.resolve("maps.yaml"));
        assertThat(maps).contains("kind: NetworkMap").contains("type: pod").contains("type: multus")
                .contains("kind: StorageMap").contains("name: host");

        Cli.Run plan = Cli.run("plan", "-f", fresh.resolve("provider.yaml"), "-f", fresh.resolve("maps.yaml"),
                "--vm", "Example VM", "--name", "wave-1", "--target-namespace", "wave1",
                "--plan-file", fresh.resolve("plan.yaml"));
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("ready");

        // In one workspace folder, as a pipeline keeps them: the new plan lands in the folder -f reads.
        Cli.Run again = Cli.run("plan", "-f", fresh, "--vm", "Example VM", "--name", "wave-1",
                "--target-namespace", "wave1", "--plan-file", fresh.resolve("plan.yaml"));
        assertThat(again.exitCode()).as(again.toString()).isZero();

        Cli.Run migrate = Cli.run("migrate", "-f", fresh.resolve("provider.yaml"), "-f", fresh.resolve("maps.yaml"),
                "-f", fresh.resolve("plan.yaml"), "--output-dir", out, "--disk-format", "raw", "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(out.resolve("wave1/example-vm/example-vm-disk-1.img")).exists();
    }

    @Test
    void inventoryJsonHasTheDocumentedShape() throws Exception {
        Cli.Run inventory = Cli.run("inventory", "-f", example, "-o", "json");
        assertThat(inventory.exitCode()).isZero();
        JsonNode vm = Serialization.json().readTree(inventory.out()).path("vms").get(0);
        for (String field : List.of("id", "name", "cpus", "memoryMiB", "firmware", "disks", "nics")) {
            assertThat(vm.has(field)).as(field).isTrue();
        }
        assertThat(vm.path("disks").get(1).path("capacityBytes").asLong()).isEqualTo(2L << 30);
        assertThat(vm.path("nics").get(1).path("mac").asText()).isEqualTo("00:50:56:8a:12:02");
        assertThat(vm.path("nics").get(1).path("network").asText()).isEqualTo("backend");
    }

    @Test
    void secretsNeverReachOutput() throws Exception {
        String password = "pa55-never-print-me";
        Files.writeString(example.resolve("providers.yaml"), Files.readString(example.resolve("providers.yaml"))
                .replace("  url: example-vm.ova", "  url: example-vm.ova\n  secret: {name: ova-creds, namespace: vmlift}"));
        Files.writeString(example.resolve("secret.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: ova-creds, namespace: vmlift}
                stringData: {user: admin, password: %s}
                """.formatted(password));
        List<Cli.Run> runs = new ArrayList<>();
        runs.add(Cli.run("connect", "-f", example, "-o", "yaml"));
        runs.add(Cli.run("inventory", "-f", example, "-o", "json"));
        runs.add(Cli.run("plan", "-f", example, "-o", "json"));
        runs.add(Cli.run("migrate", "-f", example, "--output-dir", out, "-o", "json", "--progress", "plain"));
        for (Cli.Run run : runs) {
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out() + run.err()).doesNotContain(password);
        }
        try (Stream<Path> files = Files.walk(out)) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.(ya?ml|json)")).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(password);
            }
        }
    }

    @Test
    void helpListsEveryStageAndTheExitCodes() {
        Cli.Run help = Cli.run("--help");
        assertThat(help.exitCode()).isZero();
        for (String command : List.of("connect", "inventory", "map", "plan", "migrate", "test", "status")) {
            assertThat(help.out()).contains("  " + command + " ");
        }
        assertThat(help.out()).contains("3   blocked by validation").contains("5   migration or test failed");
        for (String command : List.of("connect", "inventory", "map", "plan", "migrate", "test", "status", "convert")) {
            Cli.Run commandHelp = Cli.run(command, "--help");
            assertThat(commandHelp.exitCode()).as(command + " --help").isZero();
            assertThat(commandHelp.out()).contains("Usage: vmlift " + command).contains("2   bad input");
        }
    }

    @Test
    void helpFromTheListedSubcommandsIsTheHelpOfTheBuiltOnes() {
        // main builds only the subcommands named in its arguments; what it lists for the others must not differ.
        StringWriter built = new StringWriter();
        Vmlift.commandLine(io.vmlift.engine.EngineClock.SYSTEM, (java.util.Set<String>) null)
                .usage(new PrintWriter(built, true), picocli.CommandLine.Help.Ansi.OFF);
        StringWriter listed = new StringWriter();
        picocli.CommandLine lazy = Vmlift.commandLine(io.vmlift.engine.EngineClock.SYSTEM, "--help");
        lazy.usage(new PrintWriter(listed, true), picocli.CommandLine.Help.Ansi.OFF);
        assertThat(listed.toString()).isEqualTo(built.toString()).contains("  migrate ").contains("  convert-guest ");
        assertThat(lazy.getSubcommands().get("migrate").getCommandSpec().findOption("--output-dir")).isNull();
        picocli.CommandLine migrate = Vmlift.commandLine(io.vmlift.engine.EngineClock.SYSTEM, "migrate", "--vm", "a",
                "--vm", "b").getSubcommands().get("migrate");
        assertThat(migrate.getCommandSpec().findOption("--output-dir")).isNotNull();
    }
}
