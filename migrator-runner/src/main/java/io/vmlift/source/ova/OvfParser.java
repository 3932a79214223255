package io.vmlift.source.ova;

import io.vmlift.model.inventory.Vm;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Parses OVF 1.x/2.0 envelopes as VMware, VirtualBox and other tools export them. Elements are matched by
 * local name, so the namespace prefixes each exporter picks do not matter.
 */
final class OvfParser {
    private static final Pattern POWER_UNITS = Pattern.compile("byte\\*(\\d+)\\^(\\d+)");
    private static final Pattern MULTIPLIED_UNITS = Pattern.compile("byte\\*(\\d+)");
    // CIM resource types (DSP1041), as rasd:ResourceType.
    private static final int CPU = 3;
    private static final int MEMORY = 4;
    private static final int IDE = 5;
    private static final int SCSI = 6;
    private static final int ETHERNET = 10;
    private static final int DISK = 17;
    private static final int OTHER_STORAGE = 20;

    private OvfParser() {}

    static OvfDescriptor parse(InputStream xml, String where) throws IOException {
        Element envelope = read(xml, where).getDocumentElement();
        if (!"Envelope".equals(envelope.getLocalName())) {
            throw new OvfException(where + ": not an OVF envelope (root element is " + envelope.getLocalName() + ")");
        }
        Map<String, OvfDescriptor.FileRef> files = new LinkedHashMap<>();
        for (Element file : descendants(envelope, "References", "File")) {
            String id = attribute(file, "id");
            files.put(id, new OvfDescriptor.FileRef(id, attribute(file, "href"), number(attribute(file, "size"), 0),
                    blankToNull(attribute(file, "compression")), number(attribute(file, "chunkSize"), 0)));
        }
        Map<String, OvfDescriptor.DiskDef> disks = new LinkedHashMap<>();
        for (Element disk : descendants(envelope, "DiskSection", "Disk")) {
            String id = attribute(disk, "diskId");
            long units = units(attribute(disk, "capacityAllocationUnits"), where, "disk " + id);
            String capacity = attribute(disk, "capacity");
            if (capacity.startsWith("${")) {
                throw new OvfException(where + ": disk " + id + " takes its capacity from property " + capacity
                        + ", which vmlift does not resolve; set a number");
            }
            disks.put(id, new OvfDescriptor.DiskDef(id, blankToNull(attribute(disk, "fileRef")),
                    number(capacity, -1) * units, attribute(disk, "format"),
                    number(attribute(disk, "populatedSize"), -1)));
        }
        List<String> networks = new ArrayList<>();
        for (Element network : descendants(envelope, "NetworkSection", "Network")) {
            networks.add(attribute(network, "name"));
        }
        List<OvfDescriptor.VirtualSystem> systems = new ArrayList<>();
        for (Element system : allByLocalName(envelope, "VirtualSystem")) {
            systems.add(system(system, where));
        }
        if (systems.isEmpty()) {
            throw new OvfException(where + ": the OVF envelope describes no VirtualSystem");
        }
        return new OvfDescriptor(files, disks, networks, systems);
    }

    private static OvfDescriptor.VirtualSystem system(Element system, String where) throws OvfException {
        String id = attribute(system, "id");
        String name = text(first(system, "Name"));
        if (name.isEmpty()) {
            name = id;
        }
        Element os = first(system, "OperatingSystemSection");
        String osType = os == null ? "" : attribute(os, "osType");
        if (osType.isEmpty() && os != null) {
            osType = text(first(os, "Description"));
        }
        Element hardware = first(system, "VirtualHardwareSection");
        if (hardware == null) {
            throw new OvfException(where + ": VirtualSystem " + id + " has no VirtualHardwareSection");
        }
        int cpus = 1;
        int coresPerSocket = 1;
        long memoryMiB = 0;
        Map<String, String> controllers = new HashMap<>();
        List<Element> diskItems = new ArrayList<>();
        List<OvfDescriptor.SystemNic> nics = new ArrayList<>();
        for (Element item : childElements(hardware)) {
            String local = item.getLocalName();
            if (!local.equals("Item") && !local.equals("StorageItem") && !local.equals("EthernetPortItem")) {
                continue;
            }
            int type = (int) number(text(first(item, "ResourceType")), -1);
            switch (type) {
                case CPU -> {
                    cpus = (int) Math.max(1, number(text(first(item, "VirtualQuantity")), 1));
                    Element cores = first(item, "CoresPerSocket");
                    if (cores != null) {
                        coresPerSocket = (int) Math.max(1, number(text(cores), 1));
                    }
                }
                case MEMORY -> {
                    long quantity = number(text(first(item, "VirtualQuantity")), 0);
                    String unitText = text(first(item, "AllocationUnits"));
                    long unit = unitText.isEmpty() ? 1 << 20 : units(unitText, where, "memory");
                    memoryMiB = quantity * unit / (1 << 20);
                }
                case IDE, SCSI, OTHER_STORAGE -> controllers.put(text(first(item, "InstanceID")),
                        bus(type, text(first(item, "ResourceSubType"))));
                case DISK -> diskItems.add(item);
                case ETHERNET -> nics.add(new OvfDescriptor.SystemNic(
                        firstNonEmpty(text(first(item, "ElementName")), text(first(item, "Caption")), "nic" + nics.size()),
                        text(first(item, "Connection")),
                        blankToNull(normalizeMac(text(first(item, "Address")))),
                        text(first(item, "ResourceSubType")).toLowerCase(Locale.ROOT)));
                default -> { }
            }
        }
        List<OvfDescriptor.SystemDisk> disks = new ArrayList<>();
        for (Element item : diskItems) {
            String resource = text(first(item, "HostResource"));
            // ovf:/disk/<diskId> (OVF 1.x and 2.0), older exports: /disk/<diskId>
            String diskId = resource.replaceFirst("^ovf:", "").replaceFirst("^/disk/", "");
            String bus = controllers.getOrDefault(text(first(item, "Parent")), "scsi");
            disks.add(new OvfDescriptor.SystemDisk(diskId,
                    firstNonEmpty(text(first(item, "ElementName")), "disk" + disks.size()), bus));
        }
        String firmware = Vm.BIOS;
        boolean secureBoot = false;
        for (Element config : allByLocalName(system, "Config")) {
            String key = attribute(config, "key");
            String value = attribute(config, "value").toLowerCase(Locale.ROOT);
            if (key.equals("firmware") && value.equals("efi")) {
                firmware = Vm.EFI;
            } else if (key.equals("uefi.secureBoot.enabled") && value.equals("true")) {
                secureBoot = true;
            }
        }
        for (Element vboxFirmware : allByLocalName(system, "Firmware")) {
            if (attribute(vboxFirmware, "type").toLowerCase(Locale.ROOT).startsWith("efi")) {
                firmware = Vm.EFI;
            }
        }
        return new OvfDescriptor.VirtualSystem(id, name, osType, cpus, Math.min(coresPerSocket, cpus), memoryMiB,
                firmware, secureBoot, disks, nics);
    }

    private static String bus(int resourceType, String subType) {
        String sub = subType.toLowerCase(Locale.ROOT);
        if (resourceType == IDE) {
            return "ide";
        }
        if (resourceType == SCSI) {
            return "scsi";
        }
        if (sub.contains("nvme")) {
            return "nvme";
        }
        if (sub.contains("virtio")) {
            return "virtio";
        }
        return "sata";
    }

    /**
     * Parses an allocation unit (DSP0004 programmatic units): "byte", "byte * 2^30", "byte*1024",
     * and the older words KiloBytes, MegaBytes, GigaBytes.
     */
    static long units(String text, String where, String what) throws OvfException {
        String unit = text.toLowerCase(Locale.ROOT).replace(" ", "");
        if (unit.isEmpty() || unit.equals("byte") || unit.equals("bytes")) {
            return 1;
        }
        Matcher power = POWER_UNITS.matcher(unit);
        if (power.matches()) {
            return (long) Math.pow(Long.parseLong(power.group(1)), Long.parseLong(power.group(2)));
        }
        Matcher multiplied = MULTIPLIED_UNITS.matcher(unit);
        if (multiplied.matches()) {
            return Long.parseLong(multiplied.group(1));
        }
        return switch (unit) {
            case "kilobytes", "kb", "kib" -> 1L << 10;
            case "megabytes", "mb", "mib" -> 1L << 20;
            case "gigabytes", "gb", "gib" -> 1L << 30;
            case "terabytes", "tb", "tib" -> 1L << 40;
            default -> throw new OvfException(where + ": " + what + " has allocation units '" + text
                    + "' that vmlift does not understand; use e.g. 'byte * 2^30'");
        };
    }

    private static String normalizeMac(String mac) {
        String hex = mac.replaceAll("[^0-9A-Fa-f]", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 12) {
            return "";
        }
        return hex.replaceAll("(..)(?!$)", "$1:");
    }

    private static Document read(InputStream xml, String where) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            // OVFs come from outside: no DTDs, no external entities (XXE).
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(xml);
        } catch (SAXParseException e) {
            throw new OvfException(where + ":" + e.getLineNumber() + ": malformed OVF XML: " + e.getMessage());
        } catch (SAXException | ParserConfigurationException e) {
            throw new OvfException(where + ": malformed OVF XML: " + e.getMessage());
        }
    }

    private static List<Element> childElements(Element parent) {
        List<Element> children = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element element) {
                children.add(element);
            }
        }
        return children;
    }

    private static Element first(Element parent, String localName) {
        if (parent == null) {
            return null;
        }
        for (Element child : childElements(parent)) {
            if (localName.equals(child.getLocalName())) {
                return child;
            }
        }
        return null;
    }

    private static List<Element> allByLocalName(Element parent, String localName) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagNameNS("*", localName);
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    private static List<Element> descendants(Element root, String section, String localName) {
        List<Element> found = new ArrayList<>();
        for (Element sectionElement : allByLocalName(root, section)) {
            for (Element child : childElements(sectionElement)) {
                if (localName.equals(child.getLocalName())) {
                    found.add(child);
                }
            }
        }
        return found;
    }

    /** An attribute by local name, whatever its namespace prefix (ovf:, vmw:, none). */
    private static String attribute(Element element, String localName) {
        var attributes = element.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            Node attribute = attributes.item(i);
            String local = attribute.getLocalName() != null ? attribute.getLocalName() : attribute.getNodeName();
            if (localName.equals(local)) {
                return attribute.getNodeValue().strip();
            }
        }
        return "";
    }

    private static String text(Element element) {
        return element == null ? "" : element.getTextContent().strip();
    }

    private static long number(String text, long otherwise) {
        try {
            return text.isEmpty() ? otherwise : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static String firstNonEmpty(String... values) {
        for (String value : values) {
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return "";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
