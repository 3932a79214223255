package io.vmlift.source.ova;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.source.SourceProvider;
import io.vmlift.testing.OvfStandIns;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmlift over real OVF descriptors nobody on this project wrote (../shared/realworld/ovf, with their sources in
 * SOURCES.md there). Each descriptor gets stand-in disk files of its declared capacity and format (qemu-img),
 * compressed and chunked as its References say, with ovf:size patched to the stand-in in the scratch copy only.
 * What vmlift reads is compared with ovf-expected.yaml, written by reading each XML by hand.
 */
class RealWorldOvfTest {
    @TempDir
    Path scratch;

    static Path corpus() {
        return OvfStandIns.realworld().resolve("ovf");
    }

    private static JsonNode expected() throws IOException {
        try (InputStream in = RealWorldOvfTest.class.getResourceAsStream("/realworld/ovf-expected.yaml")) {
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyDescriptorReadsAsItsXmlSays() throws IOException {
        Path corpus = corpus();
        JsonNode expected = expected();
        List<DynamicTest> tests = new ArrayList<>();
        expected.fieldNames().forEachRemaining(name -> tests.add(DynamicTest.dynamicTest(name,
                () -> checkDescriptor(corpus.resolve(name), expected.get(name)))));
        try (Stream<Path> files = Files.walk(corpus)) {
            assertThat(files.filter(f -> f.toString().endsWith(".ovf")).count())
                    .as("every descriptor of the corpus has expectations").isEqualTo(tests.size());
        }
        return tests.stream();
    }

    private void checkDescriptor(Path descriptor, JsonNode expected) throws Exception {
        Path folder = Files.createDirectories(scratch.resolve(descriptor.getFileName().toString() + ".d"));
        Path ovf = OvfStandIns.standIn(descriptor, folder);
        try (SourceProvider provider = connect(ovf, null)) {
            Inventory inventory = provider.inventory();
            JsonNode vms = expected.get("vms");
            assertThat(inventory.vms()).as("VMs").hasSize(vms.size());
            for (int i = 0; i < vms.size(); i++) {
                JsonNode want = vms.get(i);
                Vm vm = inventory.vms().get(i);
                assertThat(vm.name()).isEqualTo(want.get("name").asText());
                // An OVF without a CPU Item still runs the VM on one vCPU.
                assertThat(vm.cpus()).as("cpus of " + vm.name()).isEqualTo(Math.max(1, want.get("cpus").asInt()));
                assertThat(vm.coresPerSocket()).as("cores of " + vm.name()).isEqualTo(want.get("coresPerSocket").asInt());
                assertThat(vm.memoryMiB()).as("memory of " + vm.name()).isEqualTo(want.get("memoryMiB").asLong());
                assertThat(vm.firmware()).as("firmware of " + vm.name()).hasToString(want.get("firmware").asText());
                assertThat(vm.secureBoot()).as("secure boot of " + vm.name()).isEqualTo(want.get("secureBoot").asBoolean());
                List<String> disks = vm.disks().stream().map(d -> d.key() + " " + d.capacityBytes() + " " + d.bus()).toList();
                List<String> wantDisks = new ArrayList<>();
                want.get("disks").forEach(d -> wantDisks.add(d.get("diskId").asText() + " "
                        + d.get("capacityBytes").asLong() + " " + d.get("bus").asText()));
                assertThat(disks).as("disks of " + vm.name()).containsExactlyElementsOf(wantDisks);
                List<String> nics = vm.nics().stream().map(n -> n.network() + " " + n.mac()).toList();
                List<String> wantNics = new ArrayList<>();
                want.get("nics").forEach(n -> wantNics.add(n.get("network").asText() + " "
                        + (n.get("mac").isNull() ? null : n.get("mac").asText())));
                assertThat(nics).as("NICs of " + vm.name()).containsExactlyElementsOf(wantNics);

                List<Concern> concerns = provider.validate(vm);
                List<String> critical = concerns.stream().filter(Concern::blocks).map(Concern::oneLine).toList();
                if (want.get("memoryMiB").asLong() == 0) {
                    assertThat(critical).as("a VM without memory is Critical")
                            .anyMatch(c -> c.contains("ova.descriptor.invalid") && c.contains("no memory"));
                } else {
                    assertThat(critical).as("stand-in disks of the declared size read cleanly").isEmpty();
                }
            }
        }
    }

    @Test
    void vcsaReadsItsDefaultDeploymentOptionOrTheOneTheProviderChooses() throws Exception {
        Path folder = Files.createDirectories(scratch.resolve("vcsa"));
        Path ovf = OvfStandIns.standIn(corpus().resolve("govmomi-vcsa-9.1.ovf"), folder);
        try (SourceProvider tiny = connect(ovf, null)) {
            Vm vm = tiny.inventory().vms().get(0);
            assertThat(vm.cpus()).isEqualTo(2);
            assertThat(vm.disks()).hasSize(15);
        }
        String xml = Files.readString(ovf);
        Matcher large = Pattern.compile("(?s)<Item configuration=\"large\">.*?<rasd:VirtualQuantity>(\\d+)<").matcher(xml);
        assertThat(large.find()).isTrue();
        try (SourceProvider chosen = connect(ovf, "large")) {
            assertThat(chosen.inventory().vms().get(0).cpus()).isEqualTo(Integer.parseInt(large.group(1)));
        }
    }

    @Test
    void aVsphereManifestInTheSha1SpaceFormIsReadAndChecksTheDescriptor() throws Exception {
        Path source = corpus().resolve("govmomi-ttylinux-pc_i486-16.1");
        Path folder = Files.createDirectories(scratch.resolve("ttylinux"));
        Files.copy(source.resolve("ttylinux-pc_i486-16.1.ovf"), folder.resolve("ttylinux-pc_i486-16.1.ovf"));
        Files.copy(source.resolve("ttylinux-pc_i486-16.1.mf"), folder.resolve("ttylinux-pc_i486-16.1.mf"));
        assertThat(Files.readString(folder.resolve("ttylinux-pc_i486-16.1.mf"))).contains("SHA1 (");
        try (OvaPackage pkg = OvaPackage.open(folder.resolve("ttylinux-pc_i486-16.1.ovf"), "ttylinux-pc_i486-16.1.ovf")) {
            Map<String, String[]> manifest = pkg.manifest();
            assertThat(manifest).containsKeys("ttylinux-pc_i486-16.1.ovf", "ttylinux-pc_i486-16.1-disk1.vmdk");
            String[] own = manifest.get("ttylinux-pc_i486-16.1.ovf");
            assertThat(own[0]).isEqualTo("SHA1");
            // The untouched descriptor has exactly the digest its manifest lists.
            assertThat(pkg.checkDigest("ttylinux-pc_i486-16.1.ovf", own[0], own[1])).isNull();
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1")
                    .digest(Files.readAllBytes(folder.resolve("ttylinux-pc_i486-16.1.ovf")));
            assertThat(own[1]).isEqualTo(HexFormat.of().formatHex(digest));
        }
    }

    @Test
    void aFolderOfTheWholeCorpusListsWhatReadsAndNamesWhatDoesNot() throws Exception {
        Path folder = Files.createDirectories(scratch.resolve("catalog"));
        int descriptors = 0;
        try (Stream<Path> files = Files.walk(corpus())) {
            for (Path descriptor : files.filter(f -> f.toString().endsWith(".ovf")).sorted().toList()) {
                OvfStandIns.standIn(descriptor, Files.createDirectories(folder.resolve("nested").resolve(
                        descriptor.getFileName().toString().replace(".ovf", ""))));
                descriptors++;
            }
        }
        Files.writeString(folder.resolve("broken.ovf"), "<Envelope><oops></Envelope>");
        try (SourceProvider provider = connect(folder, null)) {
            Inventory inventory = provider.inventory();
            // Every descriptor two folders down is read (two-vms-vapp holds two VMs); the broken one is named.
            assertThat(inventory.vms()).hasSize(descriptors + 1);
            assertThat(inventory.warningsOrNone()).singleElement().asString().contains("broken.ovf")
                    .contains("passed over");
            assertThat(inventory.networks()).anyMatch(n -> n.name().equals("VM Network")
                    && "ae1badc8c693926f492a01e2f357d6af321b".equals(n.forkliftId()));
        }
    }

    // ---------------------------------------------------------------- stand-ins

    private SourceProvider connect(Path url, String deploymentOption) throws IOException {
        Map<String, String> settings = deploymentOption == null ? null
                : Map.of(OvaProviderFactory.DEPLOYMENT_OPTION, deploymentOption);
        Provider provider = new Provider("forklift.konveyor.io/v1beta1", Provider.KIND,
                ObjectMeta.named("realworld", "vmlift"), new Provider.Spec("ova", url.toString(), null, settings), null);
        return new OvaProviderFactory().connect(new Located<>(provider, scratch.resolve("provider.yaml"), 1, Map.of()),
                Credentials.NONE);
    }

    @Test
    void forkliftsNetworkIdsAreComputedAsForkliftDoes() {
        // Forklift's own OVA end-to-end test names "VM Network" by this id (tests/suit/framework/ova.go).
        assertThat(ForkliftIds.network("VM Network")).isEqualTo("ae1badc8c693926f492a01e2f357d6af321b");
    }
}
