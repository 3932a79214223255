package io.vmlift.source.ova;

import static io.vmlift.source.ova.OvaProviderTest.STREAM_OPTIMIZED;
import static io.vmlift.source.ova.OvaProviderTest.VIRTUAL;
import static io.vmlift.source.ova.OvaProviderTest.singleDiskOvf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.CorruptImageException;
import io.vmlift.disk.DiskImage;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.model.Serialization;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.source.SourceProvider;
import io.vmlift.testing.Cli;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packages made to harm: links out of the package, decompression bombs, numbers that overflow, names that
 * drive a terminal. Each is refused (a Critical concern in plan, the same refusal in migrate) or shown
 * harmless, within seconds and megabytes.
 */
class HostilePackagesTest {
    private static final String RAW = "http://www.vmware.com/interfaces/specifications/raw";

    @TempDir
    Path dir;

    private SourceProvider connect(Path url) throws IOException {
        Provider provider = new Provider("forklift.konveyor.io/v1beta1", Provider.KIND,
                ObjectMeta.named("hostile", "vmlift"), new Provider.Spec("ova", url.toString(), null, null), null);
        return new OvaProviderFactory().connect(new Located<>(provider, dir.resolve("provider.yaml"), 1,
                Map.of("/spec/url", 5)), Credentials.NONE);
    }

    private static List<String> critical(SourceProvider provider, Vm vm) throws IOException {
        return provider.validate(vm).stream().filter(Concern::blocks).map(Concern::oneLine).toList();
    }

    private Path folderWith(String name, String ovf) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.writeString(folder.resolve(name + ".ovf"), ovf);
        return folder;
    }

    @Test
    void aDiskLinkedOutOfThePackageIsNeverRead() throws Exception {
        Path outside = Files.write(dir.resolve("shadow"), "root:secret-hash-4711:19000:0:99999:7:::\n".repeat(100).getBytes());
        Path folder = folderWith("linked", singleDiskOvf("linked", "linked-disk1.img", "", RAW)
                .replace("ovf:capacity=\"" + VIRTUAL + "\"", "ovf:capacity=\"" + Files.size(outside) + "\""));
        Files.createSymbolicLink(folder.resolve("linked-disk1.img"), outside);
        try (SourceProvider provider = connect(folder.resolve("linked.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(critical(provider, vm)).singleElement().asString().contains("symbolic link")
                    .contains("outside its package");
            Throwable refused = catchThrowable(() -> provider.disks(vm).get(0).open().close());
            assertThat(refused).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
        }
    }

    @Test
    void aVmdkExtentLinkedOutOfThePackageIsRefusedAlsoByConvert() throws Exception {
        Path outside = Files.write(dir.resolve("secret.raw"), new byte[1 << 20]);
        Path folder = folderWith("extent", singleDiskOvf("extent", "extent.vmdk", "",
                "http://www.vmware.com/interfaces/specifications/vmdk.html#monolithicFlat")
                .replace("ovf:capacity=\"" + VIRTUAL + "\"", "ovf:capacity=\"1048576\""));
        Files.writeString(folder.resolve("extent.vmdk"), """
                # Disk DescriptorFile
                version=1
                CID=fffffffe
                parentCID=ffffffff
                createType="monolithicFlat"
                RW 2048 FLAT "extent-flat.vmdk" 0
                """);
        Files.createSymbolicLink(folder.resolve("extent-flat.vmdk"), outside);
        try (SourceProvider provider = connect(folder.resolve("extent.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(critical(provider, vm)).singleElement().asString().contains("extent-flat.vmdk")
                    .contains("symbolic link");
        }
        Cli.Run convert = Cli.run("convert", folder.resolve("extent.vmdk"), dir.resolve("out.qcow2"), "-O", "qcow2");
        assertThat(convert.exitCode()).as(convert.toString()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(convert.err()).contains("symbolic link").hasLineCount(1);
        assertThat(dir.resolve("out.qcow2")).doesNotExist();
    }

    @Test
    void aDecompressionBombStopsAtTheDeclaredSizeInPlanAndInMigrate() throws Exception {
        // 256 MiB of zeros in a quarter of a megabyte, for a disk that declares 1 MiB.
        Path bomb = dir.resolve("bomb.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(bomb))) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) {
                out.write(zeros);
            }
        }
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        Path folder = folderWith("bomb", singleDiskOvf("bomb", "bomb.img.gz", " ovf:compression=\"gzip\"", RAW)
                .replace("ovf:capacity=\"" + VIRTUAL + "\"", "ovf:capacity=\"1048576\""));
        Files.move(bomb, folder.resolve("bomb.img.gz"));
        long started = System.nanoTime();
        try (SourceProvider provider = connect(folder.resolve("bomb.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(critical(provider, vm)).singleElement().asString().contains("inflates past");
            Throwable refused = catchThrowable(() -> provider.disks(vm).get(0).open().close());
            assertThat(refused).isInstanceOf(IOException.class).hasMessageContaining("inflates past");
        }
        assertThat(System.nanoTime() - started).as("seconds, not minutes").isLessThan(10_000_000_000L);
    }

    @Test
    void aGzipFileThatIsNotWhatItSaysFailsPlanAsItWouldFailMigrate() throws Exception {
        byte[] random = new byte[1 << 20];
        new Random(7).nextBytes(random);
        // Declared gzip, but plain bytes.
        Path notGzip = folderWith("plain", singleDiskOvf("plain", "plain.vmdk.gz", " ovf:compression=\"gzip\"",
                STREAM_OPTIMIZED));
        Files.write(notGzip.resolve("plain.vmdk.gz"), random);
        // Gzip, but of random bytes where a streamOptimized VMDK is declared.
        Path mislabelled = folderWith("mislabelled", singleDiskOvf("mislabelled", "m.vmdk.gz",
                " ovf:compression=\"gzip\"", STREAM_OPTIMIZED));
        Files.write(mislabelled.resolve("m.vmdk.gz"), OvaProviderTest.gzip(random));
        try (SourceProvider provider = connect(notGzip.resolve("plain.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(critical(provider, vm)).singleElement().asString().contains("cannot be inflated");
        }
        try (SourceProvider provider = connect(mislabelled.resolve("mislabelled.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(critical(provider, vm)).singleElement().asString().contains("declared as vmdk")
                    .contains("raw");
            Throwable refused = catchThrowable(() -> provider.disks(vm).get(0).open().close());
            assertThat(refused).isInstanceOf(CorruptImageException.class).hasMessageContaining("declared as vmdk");
        }
    }

    @Test
    void anImageLargerThanItsDeclaredDiskIsCriticalInPlan() throws Exception {
        Path folder = folderWith("larger", singleDiskOvf("larger", "larger.vmdk", "", STREAM_OPTIMIZED));
        QemuImg.require("create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized",
                folder.resolve("larger.vmdk").toString(), Long.toString(2 * VIRTUAL));
        Path gzipped = folderWith("larger-gz", singleDiskOvf("larger-gz", "larger.vmdk.gz",
                " ovf:compression=\"gzip\"", STREAM_OPTIMIZED));
        Files.write(gzipped.resolve("larger.vmdk.gz"),
                OvaProviderTest.gzip(Files.readAllBytes(folder.resolve("larger.vmdk"))));
        for (Path ovf : List.of(folder.resolve("larger.ovf"), gzipped.resolve("larger-gz.ovf"))) {
            try (SourceProvider provider = connect(ovf)) {
                Vm vm = provider.inventory().vms().get(0);
                assertThat(critical(provider, vm)).as(ovf.toString()).singleElement().asString()
                        .contains("more than the " + VIRTUAL);
            }
        }
    }

    @Test
    void numbersThatOverflowAreCriticalNotWrapped() throws Exception {
        String ovf = singleDiskOvf("overflow", "overflow.vmdk", "", STREAM_OPTIMIZED)
                .replace("<rasd:VirtualQuantity>1</rasd:VirtualQuantity>",
                        "<rasd:VirtualQuantity>4294967297</rasd:VirtualQuantity>")
                .replace("<rasd:VirtualQuantity>1024</rasd:VirtualQuantity>",
                        "<rasd:VirtualQuantity>1000000000000000</rasd:VirtualQuantity>")
                .replace("ovf:capacity=\"" + VIRTUAL + "\" ovf:capacityAllocationUnits=\"byte\"",
                        "ovf:capacity=\"17179869186\" ovf:capacityAllocationUnits=\"byte * 2^30\"");
        Path folder = folderWith("overflow", ovf);
        QemuImg.require("create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized",
                folder.resolve("overflow.vmdk").toString(), Long.toString(VIRTUAL));
        try (SourceProvider provider = connect(folder.resolve("overflow.ovf"))) {
            Vm vm = provider.inventory().vms().get(0);
            assertThat(vm.memoryMiB()).isNotNegative();
            assertThat(vm.disks().get(0).capacityBytes()).isEqualTo(-1);
            assertThat(critical(provider, vm))
                    .anyMatch(c -> c.contains("4294967297") && c.contains("vCPUs"))
                    .anyMatch(c -> c.contains("memory of '1000000000000000'"))
                    .anyMatch(c -> c.contains("17179869186"));
        }
    }

    @Test
    void aQcow2WhoseSizeOverflowsIsRefusedByConvert() throws Exception {
        Path image = dir.resolve("huge.qcow2");
        QemuImg.require("create", "-q", "-f", "qcow2", image.toString(), "1M");
        try (var channel = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).putLong(0, Long.MAX_VALUE), 24); // the size field
        }
        Cli.Run convert = Cli.run("convert", image, dir.resolve("out.qcow2"), "-O", "qcow2");
        assertThat(convert.exitCode()).as(convert.toString()).isEqualTo(ExitCode.BAD_INPUT.code());
        assertThat(convert.err()).contains("virtual size").hasLineCount(1);
        assertThat(dir.resolve("out.qcow2")).doesNotExist();
        assertThat(DiskImage.MAX_VIRTUAL_SIZE).isLessThan(Long.MAX_VALUE / 2);
    }

    @Test
    void anNfsExportGetsTheLineThatSaysHowToMountIt() {
        Provider provider = new Provider("forklift.konveyor.io/v1beta1", Provider.KIND,
                ObjectMeta.named("nfs", "vmlift"), new Provider.Spec("ova", "nfs.example.com:/exports/ova", null, null),
                null);
        VmliftException e = (VmliftException) catchThrowable(() -> new OvaProviderFactory().connect(
                new Located<>(provider, dir.resolve("provider.yaml"), 1, Map.of("/spec/url", 5)), Credentials.NONE));
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).contains("provider.yaml:5").contains("NFS export")
                .contains("mount -t nfs nfs.example.com:/exports/ova").doesNotContain("\n");
    }

    @Test
    void namesThatDriveATerminalArePrintedEscaped() throws Exception {
        String evil = "web\u001b[2J\u001b]0;pwned\u0007\nFAKE LINE\u202e";
        // XML 1.1 allows control characters as references, so a descriptor can carry them.
        Path folder = folderWith("evil", singleDiskOvf("evil", "evil.vmdk", "", STREAM_OPTIMIZED)
                .replace("<?xml version=\"1.0\"", "<?xml version=\"1.1\"")
                .replace("<Name>evil</Name>", "<Name>" + evil.replace("\u001b", "&#x1b;").replace("\u0007", "&#x7;")
                        .replace("\n", "&#xa;") + "</Name>"));
        QemuImg.require("create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized",
                folder.resolve("evil.vmdk").toString(), Long.toString(VIRTUAL));
        Path providerYaml = Files.writeString(dir.resolve("provider.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: evil}
                spec: {type: ova, url: %s}
                """.formatted(folder));
        Cli.Run table = Cli.run("inventory", "-f", providerYaml);
        Cli.Run json = Cli.run("inventory", "-f", providerYaml, "-o", "json");
        Cli.Run yaml = Cli.run("inventory", "-f", providerYaml, "-o", "yaml");
        Cli.Run plan = Cli.run("plan", "-f", providerYaml, "--vm", "nobody", "--name", "p", "--target-namespace", "t",
                "--debug");
        for (Cli.Run run : List.of(table, json, plan)) {
            assertThat(run.out() + run.err()).as(run.toString()).doesNotContain("\u001b").doesNotContain("\u0007")
                    .doesNotContain("\u202e").doesNotContain("\nFAKE LINE");
        }
        assertThat(table.out()).contains("web\\x1b[2J");
        // Structured output stays what it says: escaped as JSON and YAML escape, the same name when read back.
        assertThat(yaml.out()).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\nFAKE LINE");
        assertThat(Serialization.json().readTree(json.out()).at("/vms/0/name").asText()).isEqualTo(evil);
        assertThat(Serialization.yaml().readTree(yaml.out()).at("/vms/0/name").asText()).isEqualTo(evil);
    }

    @Test
    void zeroOrEndlessAllocationUnitsAreCriticalAndQuick() throws Exception {
        for (String units : List.of("byte * 0", "byte * 0^5", "byte * 1^2147483647", "byte * 2^64")) {
            String ovf = singleDiskOvf("units", "units.vmdk.gz", " ovf:compression=\"gzip\"", STREAM_OPTIMIZED)
                    .replace("ovf:capacityAllocationUnits=\"byte\"", "ovf:capacityAllocationUnits=\"" + units + "\"");
            Path folder = folderWith("units", ovf);
            Files.write(folder.resolve("units.vmdk.gz"), OvaProviderTest.gzip(new byte[1 << 20]));
            long started = System.nanoTime();
            try (SourceProvider provider = connect(folder.resolve("units.ovf"))) {
                Vm vm = provider.inventory().vms().get(0);
                if (units.equals("byte * 1^2147483647")) {
                    assertThat(vm.disks().get(0).capacityBytes()).isEqualTo(VIRTUAL); // 1^n is 1
                } else {
                    assertThat(critical(provider, vm)).as(units).anyMatch(c -> c.contains("ova.descriptor.invalid"));
                    Throwable refused = catchThrowable(() -> provider.disks(vm).get(0).open().close());
                    assertThat(refused).as(units).isInstanceOf(IOException.class);
                }
            }
            assertThat(System.nanoTime() - started).as(units).isLessThan(5_000_000_000L);
        }
    }

    @Test
    void deeplyNestedXmlIsOneLineNotAStackOverflow() throws Exception {
        String deep = "<a>".repeat(200_000) + "x" + "</a>".repeat(200_000);
        Path folder = folderWith("deep", singleDiskOvf("deep", "deep.vmdk", "", STREAM_OPTIMIZED)
                .replace("<Name>deep</Name>", "<Name>" + deep + "</Name>"));
        VmliftException e = (VmliftException) catchThrowable(() -> connect(folder.resolve("deep.ovf")).close());
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
        assertThat(e.getMessage()).contains("deep.ovf").doesNotContain("\n");
    }
}
