package io.vmlift.source.ova;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.model.inventory.Inventory;
import io.vmlift.model.inventory.Vm;
import io.vmlift.plan.Concern;
import io.vmlift.source.SourceProvider;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * vmlift over real OVF descriptors nobody on this project wrote (../shared/realworld/ovf, with their sources in
 * SOURCES.md there). Each descriptor gets stand-in disk files of its declared capacity and format (qemu-img),
 * compressed and chunked as its References say, with ovf:size patched to the stand-in in the scratch copy only.
 * What vmlift reads is compared with ovf-expected.yaml, written by reading each XML by hand.
 */
class RealWorldOvfTest {
    /** Where the corpus is; Maven sets it (migrator-runner/pom.xml), CI has ../shared beside the clone. */
    static final String REALWORLD_DIR_PROPERTY = "vmlift.realworldDir";

    @TempDir
    Path scratch;

    static Path corpus() {
        String dir = System.getProperty(REALWORLD_DIR_PROPERTY);
        Path path = dir == null ? null : Path.of(dir, "ovf");
        assumeTrue(path != null && Files.isDirectory(path),
                "the real-world corpus (../shared/realworld/ovf) is not beside this clone: skipped");
        return path;
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
        Path ovf = standIn(descriptor, folder);
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
                assertThat(vm.firmware()).as("firmware of " + vm.name()).isEqualTo(want.get("firmware").asText());
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
        Path ovf = standIn(corpus().resolve("govmomi-vcsa-9.1.ovf"), folder);
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
                standIn(descriptor, Files.createDirectories(folder.resolve("nested").resolve(
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

    /** Copies a descriptor into folder with stand-ins for the disk files it references; returns the copy. */
    static Path standIn(Path descriptor, Path folder) throws Exception {
        String xml = Files.readString(descriptor);
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        var document = factory.newDocumentBuilder().parse(descriptor.toFile());
        NodeList files = document.getElementsByTagNameNS("*", "File");
        NodeList disks = document.getElementsByTagNameNS("*", "Disk");
        for (int i = 0; i < files.getLength(); i++) {
            Element file = (Element) files.item(i);
            String id = attr(file, "id");
            String href = attr(file, "href");
            Element disk = null;
            for (int j = 0; j < disks.getLength(); j++) {
                String fileRef = attr((Element) disks.item(j), "fileRef");
                if (id.equals(fileRef) || href.equals(fileRef)) { // oVirt's OVF refers to the href
                    disk = (Element) disks.item(j);
                }
            }
            if (disk == null || href.isEmpty()) {
                continue; // an ISO or NVRAM file: vmlift never reads it
            }
            long capacity = capacity(disk);
            Path target = folder.resolve(href);
            Files.createDirectories(target.getParent());
            Path plain = folder.resolve(".standin-" + i);
            if (attr(disk, "format").toLowerCase().contains("vmdk")) {
                QemuImg.require("create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", plain.toString(),
                        Long.toString(capacity));
            } else {
                try (var raw = java.nio.channels.FileChannel.open(plain, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    raw.truncate(0).write(java.nio.ByteBuffer.allocate(1), capacity - 1);
                }
            }
            if ("gzip".equals(attr(file, "compression"))) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(target))) {
                    Files.copy(plain, out);
                }
            } else {
                Files.move(plain, target);
            }
            Files.deleteIfExists(plain);
            long stored = Files.size(target);
            long chunk = attr(file, "chunkSize").isEmpty() ? 0 : Long.parseLong(attr(file, "chunkSize"));
            if (chunk > 0) {
                byte[] bytes = Files.readAllBytes(target);
                Files.delete(target);
                for (int part = 0; part * chunk < bytes.length || part == 0; part++) {
                    int from = (int) (part * chunk);
                    Files.write(folder.resolve(String.format("%s.%09d", href, part)),
                            java.util.Arrays.copyOfRange(bytes, from, (int) Math.min(bytes.length, from + chunk)));
                }
            }
            xml = patchSize(xml, href, stored);
        }
        Path copy = folder.resolve(descriptor.getFileName());
        Files.writeString(copy, xml, StandardCharsets.UTF_8);
        return copy;
    }

    /** The File element of href gets ovf:size of its stand-in (the real export's disk is not here). */
    private static String patchSize(String xml, String href, long size) {
        Matcher file = Pattern.compile("<(\\w+:)?File\\b[^>]*href=[\"']" + Pattern.quote(href) + "[\"'][^>]*>")
                .matcher(xml);
        if (!file.find()) {
            throw new AssertionError("no File element for " + href);
        }
        String element = file.group();
        String patched = element.replaceFirst("(\\w+:)?size=([\"'])[^\"']*([\"'])", "ovf:size=$2" + size + "$3");
        return xml.substring(0, file.start()) + patched + xml.substring(file.end());
    }

    private static long capacity(Element disk) {
        String units = attr(disk, "capacityAllocationUnits").replace(" ", "");
        long unit = 1;
        Matcher power = Pattern.compile("byte\\*(\\d+)\\^(\\d+)").matcher(units);
        if (power.matches()) {
            unit = (long) Math.pow(Long.parseLong(power.group(1)), Long.parseLong(power.group(2)));
        }
        return Long.parseLong(attr(disk, "capacity")) * unit;
    }

    private static String attr(Element element, String localName) {
        var attributes = element.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            var attribute = attributes.item(i);
            String local = attribute.getLocalName() != null ? attribute.getLocalName() : attribute.getNodeName();
            if (localName.equals(local)) {
                return attribute.getNodeValue();
            }
        }
        return "";
    }

    @Test
    void forkliftsNetworkIdsAreComputedAsForkliftDoes() {
        // Forklift's own OVA end-to-end test names "VM Network" by this id (tests/suit/framework/ova.go).
        assertThat(ForkliftIds.network("VM Network")).isEqualTo("ae1badc8c693926f492a01e2f357d6af321b");
    }
}
