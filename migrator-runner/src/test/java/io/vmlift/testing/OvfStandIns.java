package io.vmlift.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import java.io.OutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Stand-in disk files for real OVF descriptors whose disks are not here: of the declared capacity and format
 * (qemu-img), compressed and chunked as the References say, with ovf:size patched in the copy only.
 */
public final class OvfStandIns {
    /** Where the real-world corpus is; Maven sets it (migrator-runner/pom.xml), CI has ../shared beside the clone. */
    public static final String REALWORLD_DIR_PROPERTY = "vmlift.realworldDir";

    private OvfStandIns() {}

    /** ../shared/realworld, or the calling test is skipped (an assumption), saying why. */
    public static Path realworld() {
        String dir = System.getProperty(REALWORLD_DIR_PROPERTY);
        Path path = dir == null ? null : Path.of(dir);
        org.junit.jupiter.api.Assumptions.assumeTrue(path != null && Files.isDirectory(path),
                "the real-world corpus (../shared/realworld) is not beside this clone: skipped");
        return path;
    }

    /** Copies a descriptor into folder with stand-ins for the disk files it references; returns the copy. */
    public static Path standIn(Path descriptor, Path folder) throws Exception {
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

}
