package io.vmlift.source.ova;

import io.vmlift.spi.Firmware;
import io.vmlift.disk.DiskImage;
import io.vmlift.spi.Vm;
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
 * Parses OVF envelopes as VMware, VirtualBox, oVirt and other tools export them: OVF 0.9 (oVirt), 1.x and 2.0,
 * with sections as typed elements (DiskSection) or as Section/Content elements with an xsi:type
 * (DiskSection_Type), as the OVF 1.0 schema allows. Elements are matched by local name, so the namespace
 * prefixes each exporter picks do not matter. Every number is checked: a value no VM can have becomes a
 * problem of its VirtualSystem (a Critical concern), never a wrapped or truncated number.
 */
final class OvfParser {
    private static final Pattern POWER_UNITS = Pattern.compile("byte\\*(\\d+)\\^(\\d+)");
    private static final Pattern MULTIPLIED_UNITS = Pattern.compile("byte\\*(\\d+)");
    private static final Pattern DISK_RESOURCE = Pattern.compile("^(ovf:)?/*disk/");
    private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
    // CIM resource types (DSP1041), as rasd:ResourceType.
    private static final int CPU = 3;
    private static final int MEMORY = 4;
    private static final int IDE = 5;
    private static final int SCSI = 6;
    private static final int ETHERNET = 10;
    private static final int DISK = 17;
    private static final int OTHER_STORAGE = 20;
    /** vSphere 8's largest VM: 768 vCPUs and 24 TB of memory; an OVF beyond that is damaged or hostile. */
    static final long MAX_CPUS = 768;
    static final long MAX_MEMORY_MIB = 24L << 20;

    private OvfParser() {}

    static OvfDescriptor parse(InputStream xml, String where) throws IOException {
        return parse(xml, where, null);
    }

    /** @param deploymentOption the DeploymentOptionSection configuration to read, or null for the default one */
    static OvfDescriptor parse(InputStream xml, String where, String deploymentOption) throws IOException {
        Element envelope = read(xml, where).getDocumentElement();
        if (!"Envelope".equals(envelope.getLocalName())) {
            throw new OvfException(where + ": not an OVF envelope (root element is " + envelope.getLocalName() + ")");
        }
        Map<String, OvfDescriptor.FileRef> files = new LinkedHashMap<>();
        for (Element file : sectionChildren(envelope, "References", "File")) {
            String id = attribute(file, "id");
            files.put(id, new OvfDescriptor.FileRef(id, attribute(file, "href"), Math.max(0, number(attribute(file, "size"), 0)),
                    blankToNull(attribute(file, "compression")), Math.max(0, number(attribute(file, "chunkSize"), 0))));
        }
        Map<String, OvfDescriptor.DiskDef> disks = new LinkedHashMap<>();
        for (Element disk : sectionChildren(envelope, "DiskSection", "Disk")) {
            OvfDescriptor.DiskDef def = disk(disk, where);
            String fileRef = def.fileRef();
            if (fileRef != null && !files.containsKey(fileRef)) {
                // oVirt's OVF names the File by its href, not its id.
                String byHref = files.values().stream().filter(f -> fileRef.equals(f.href()))
                        .map(OvfDescriptor.FileRef::id).findFirst().orElse(fileRef);
                def = new OvfDescriptor.DiskDef(def.id(), byHref, def.capacityBytes(), def.format(),
                        def.populatedSize(), def.bus(), def.problem());
            }
            disks.put(def.id(), def);
        }
        List<String> networks = new ArrayList<>();
        for (Element network : sectionChildren(envelope, "NetworkSection", "Network")) {
            networks.add(attribute(network, "name"));
        }
        String configuration = configuration(envelope, where, deploymentOption);
        List<OvfDescriptor.VirtualSystem> systems = new ArrayList<>();
        for (Element system : virtualSystems(envelope)) {
            systems.add(system(system, where, configuration, disks, files));
        }
        if (systems.isEmpty()) {
            throw new OvfException(where + ": the OVF envelope describes no VirtualSystem");
        }
        return new OvfDescriptor(files, disks, networks, systems, configuration);
    }

    private static OvfDescriptor.DiskDef disk(Element disk, String where) {
        String id = attribute(disk, "diskId");
        String capacity = attribute(disk, "capacity");
        String problem = null;
        long bytes = -1;
        try {
            long units = units(attribute(disk, "capacityAllocationUnits"), where, "disk " + id);
            if (capacity.startsWith("${")) {
                problem = "its capacity comes from property " + capacity + ", which vmlift does not resolve";
            } else {
                long count = Long.parseLong(capacity);
                bytes = Math.multiplyExact(count, units);
                if (count <= 0 || bytes <= 0 || bytes > DiskImage.MAX_VIRTUAL_SIZE) {
                    problem = "its capacity of " + capacity + " x " + units + " bytes is outside 1 byte.."
                            + (DiskImage.MAX_VIRTUAL_SIZE >> 40) + " TiB";
                    bytes = -1;
                }
            }
        } catch (OvfException e) {
            problem = e.getMessage().substring(where.length() + 2);
        } catch (NumberFormatException | ArithmeticException e) {
            problem = "its capacity '" + capacity + "' x '" + attribute(disk, "capacityAllocationUnits")
                    + "' is not a size vmlift can hold";
        }
        return new OvfDescriptor.DiskDef(id, blankToNull(attribute(disk, "fileRef")), bytes, attribute(disk, "format"),
                number(attribute(disk, "populatedSize"), -1), ovirtBus(attribute(disk, "disk-interface")),
                problem == null ? null : "disk " + id + ": " + problem);
    }

    /** oVirt's ovf:disk-interface (DiskInterface in ovirt-engine): VirtIO, VirtIO_SCSI, IDE, SATA, SPAPR_VSCSI. */
    private static String ovirtBus(String diskInterface) {
        return switch (diskInterface.toLowerCase(Locale.ROOT)) {
            case "virtio" -> "virtio";
            case "virtio_scsi", "spapr_vscsi" -> "scsi";
            case "ide" -> "ide";
            case "sata" -> "sata";
            default -> null;
        };
    }

    /**
     * The DeploymentOptionSection configuration to read Items for: the one asked for, else the one marked
     * ovf:default, else the first (DSP0243 9.8); null when the envelope has none.
     */
    private static String configuration(Element envelope, String where, String wanted) throws OvfException {
        List<String> ids = new ArrayList<>();
        String chosen = null;
        for (Element configuration : sectionChildren(envelope, "DeploymentOptionSection", "Configuration")) {
            String id = attribute(configuration, "id");
            ids.add(id);
            if (chosen == null && "true".equalsIgnoreCase(attribute(configuration, "default"))) {
                chosen = id;
            }
        }
        if (ids.isEmpty()) {
            return null;
        }
        if (wanted != null) {
            if (!ids.contains(wanted)) {
                throw new OvfException(where + ": deployment option '" + wanted + "' is not among its configurations ("
                        + String.join(", ", ids) + "); set the provider setting deploymentOption to one of them");
            }
            return wanted;
        }
        return chosen != null ? chosen : ids.get(0);
    }

    /** VirtualSystem elements and Content elements of xsi:type VirtualSystem_Type, in document order. */
    private static List<Element> virtualSystems(Element envelope) {
        List<Element> systems = new ArrayList<>();
        NodeList all = envelope.getElementsByTagNameNS("*", "*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            if (isSection(element, "VirtualSystem")) {
                systems.add(element);
            }
        }
        return systems;
    }

    /** True for &lt;name&gt;, and for &lt;Section|Content xsi:type="ovf:name_Type"&gt;. */
    private static boolean isSection(Element element, String name) {
        String local = element.getLocalName();
        if (name.equals(local)) {
            return true;
        }
        if (!"Section".equals(local) && !"Content".equals(local)) {
            return false;
        }
        String type = element.getAttributeNS(XSI, "type");
        return type.substring(type.indexOf(':') + 1).equals(name + "_Type");
    }

    /** Whether an Item belongs to the chosen configuration and is not a min/max bound (DSP0243 9.5, 9.8). */
    private static boolean counts(Element item, String configuration) {
        String bound = attribute(item, "bound");
        if (!bound.isEmpty() && !bound.equals("normal")) {
            return false;
        }
        String configurations = attribute(item, "configuration");
        return configurations.isEmpty() || configuration == null
                || List.of(configurations.split("\\s+")).contains(configuration);
    }

    private static OvfDescriptor.VirtualSystem system(Element system, String where, String configuration,
            Map<String, OvfDescriptor.DiskDef> diskDefs, Map<String, OvfDescriptor.FileRef> files)
            throws OvfException {
        String id = attribute(system, "id");
        String name = text(first(system, "Name"));
        if (name.isEmpty()) {
            name = id;
        }
        List<String> problems = new ArrayList<>();
        Element os = firstSection(system, "OperatingSystemSection");
        String osType = os == null ? "" : attribute(os, "osType");
        if (osType.isEmpty() && os != null) {
            osType = text(first(os, "Description"));
        }
        Element hardware = firstSection(system, "VirtualHardwareSection");
        if (hardware == null) {
            throw new OvfException(where + ": VirtualSystem " + id + " has no VirtualHardwareSection");
        }
        long cpus = 1;
        long coresPerSocket = 1;
        long memoryMiB = 0;
        boolean memoryItem = false;
        Map<String, String> controllers = new HashMap<>();
        List<Element> diskItems = new ArrayList<>();
        List<OvfDescriptor.SystemNic> nics = new ArrayList<>();
        for (Element item : childElements(hardware)) {
            String local = item.getLocalName();
            if (!local.equals("Item") && !local.equals("StorageItem") && !local.equals("EthernetPortItem")
                    || !counts(item, configuration)) {
                continue;
            }
            long resourceType = number(text(first(item, "ResourceType")), -1);
            int type = resourceType >= 0 && resourceType <= Integer.MAX_VALUE ? (int) resourceType : -1;
            switch (type) {
                case CPU -> {
                    String quantity = text(first(item, "VirtualQuantity"));
                    Element sockets = first(item, "num_of_sockets"); // oVirt's OVF
                    Element cores = first(item, "CoresPerSocket") != null ? first(item, "CoresPerSocket")
                            : first(item, "cpu_per_socket");
                    coresPerSocket = cores == null ? 1 : count(text(cores), "cores per socket", problems);
                    if (!quantity.isEmpty() || sockets == null) {
                        cpus = quantity.isEmpty() ? 1 : count(quantity, "vCPUs", problems);
                    } else {
                        long socketCount = count(text(sockets), "sockets", problems);
                        cpus = socketCount * coresPerSocket; // both at most MAX_CPUS: no overflow
                        if (cpus > MAX_CPUS) {
                            problems.add(cpus + " vCPUs is more than " + MAX_CPUS);
                            cpus = 1;
                        }
                    }
                }
                case MEMORY -> {
                    memoryItem = true;
                    memoryMiB = memory(item, where, problems);
                }
                case IDE, SCSI, OTHER_STORAGE -> controllers.put(instanceId(item),
                        bus(type, text(first(item, "ResourceSubType"))));
                case DISK -> diskItems.add(item);
                case ETHERNET -> nics.add(new OvfDescriptor.SystemNic(
                        firstNonEmpty(text(first(item, "ElementName")), text(first(item, "Caption")),
                                text(first(item, "Name")), "nic" + nics.size()),
                        text(first(item, "Connection")),
                        blankToNull(normalizeMac(firstNonEmpty(text(first(item, "Address")),
                                text(first(item, "MACAddress"))))),
                        text(first(item, "ResourceSubType")).toLowerCase(Locale.ROOT)));
                default -> { }
            }
        }
        if (!memoryItem) {
            problems.add("the OVF gives the VM no memory (no Item of ResourceType 4)");
        } else if (memoryMiB <= 0 && problems.isEmpty()) {
            problems.add("the OVF gives the VM no memory (0 MiB)");
        }
        nics = withVirtualBoxMacs(system, nics);
        List<OvfDescriptor.SystemDisk> disks = new ArrayList<>();
        for (Element item : diskItems) {
            String resource = text(first(item, "HostResource"));
            // ovf:/disk/<diskId> (OVF 1.x and 2.0), older exports /disk/<diskId>; oVirt names the Disk's fileRef.
            String diskId = DISK_RESOURCE.matcher(resource).replaceFirst("");
            OvfDescriptor.DiskDef def = diskDefs.get(diskId);
            if (def == null) {
                def = diskDefs.values().stream().filter(d -> resource.equals(d.fileRef())
                        || files.containsKey(d.fileRef()) && resource.equals(files.get(d.fileRef()).href()))
                        .findFirst().orElse(null);
                diskId = def == null ? diskId : def.id();
            }
            String bus = def != null && def.bus() != null ? def.bus()
                    : controllers.getOrDefault(text(first(item, "Parent")), "scsi");
            disks.add(new OvfDescriptor.SystemDisk(diskId,
                    firstNonEmpty(text(first(item, "ElementName")), text(first(item, "Caption")), "disk" + disks.size()),
                    bus));
            if (def != null && def.problem() != null) {
                problems.add(def.problem());
            }
        }
        Firmware firmware = Firmware.BIOS;
        boolean secureBoot = false;
        for (Element config : allByLocalName(system, "Config")) {
            String key = attribute(config, "key");
            String value = attribute(config, "value").toLowerCase(Locale.ROOT);
            if (key.equals("firmware") && value.equals("efi")) {
                firmware = Firmware.EFI;
            } else if ((key.equals("uefi.secureBoot.enabled") || key.equals("bootOptions.efiSecureBootEnabled"))
                    && value.equals("true")) {
                secureBoot = true;
            }
        }
        for (Element vboxFirmware : allByLocalName(system, "Firmware")) {
            if (attribute(vboxFirmware, "type").toLowerCase(Locale.ROOT).startsWith("efi")) {
                firmware = Firmware.EFI;
            }
        }
        // oVirt's BiosType (ovirt-engine BiosType): 3 Q35_OVMF, 4 Q35_SECURE_BOOT.
        String biosType = text(first(system, "BiosType"));
        if (biosType.equals("3") || biosType.equals("4")) {
            firmware = Firmware.EFI;
            secureBoot = biosType.equals("4");
        }
        if (coresPerSocket > cpus) {
            coresPerSocket = cpus;
        }
        return new OvfDescriptor.VirtualSystem(id, name, osType, (int) cpus, (int) coresPerSocket, memoryMiB,
                firmware, secureBoot, disks, nics, problems);
    }

    /** A count of 1..MAX_CPUS, or 1 with a problem recorded. */
    private static long count(String text, String what, List<String> problems) {
        try {
            long value = Long.parseLong(text);
            if (value >= 1 && value <= MAX_CPUS) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add("'" + text + "' " + what + " is not a count from 1 to " + MAX_CPUS);
        return 1;
    }

    /** The memory of an Item in MiB; 0 with a problem recorded when it is no size a VM can have. */
    private static long memory(Element item, String where, List<String> problems) {
        String quantity = text(first(item, "VirtualQuantity"));
        String unitText = text(first(item, "AllocationUnits"));
        try {
            long unit = unitText.isEmpty() ? 1 << 20 : units(unitText, where, "memory");
            long mib = Math.multiplyExact(Long.parseLong(quantity), unit) / (1 << 20);
            if (mib > 0 && mib <= MAX_MEMORY_MIB) {
                return mib;
            }
        } catch (OvfException | NumberFormatException | ArithmeticException e) {
            // reported below
        }
        problems.add("memory of '" + quantity + "' x '" + (unitText.isEmpty() ? "MiB" : unitText)
                + "' is not a size from 1 MiB to " + (MAX_MEMORY_MIB >> 20) + " TiB");
        return 0;
    }

    /**
     * VirtualBox exports put the MACs in its own vbox:Machine section, not on the Items: the N-th Ethernet Item
     * is the N-th enabled adapter, in slot order.
     */
    private static List<OvfDescriptor.SystemNic> withVirtualBoxMacs(Element system, List<OvfDescriptor.SystemNic> nics) {
        List<Element> machines = allByLocalName(system, "Machine");
        if (machines.isEmpty() || nics.stream().allMatch(n -> n.mac() != null)) {
            return nics;
        }
        List<Element> adapters = new ArrayList<>(allByLocalName(machines.get(0), "Adapter").stream()
                .filter(a -> "true".equalsIgnoreCase(attribute(a, "enabled")))
                .toList());
        adapters.sort(java.util.Comparator.comparingLong(a -> number(attribute(a, "slot"), Long.MAX_VALUE)));
        List<OvfDescriptor.SystemNic> withMacs = new ArrayList<>();
        for (int i = 0; i < nics.size(); i++) {
            OvfDescriptor.SystemNic nic = nics.get(i);
            String mac = nic.mac() == null && i < adapters.size()
                    ? blankToNull(normalizeMac(attribute(adapters.get(i), "MACAddress"))) : nic.mac();
            withMacs.add(new OvfDescriptor.SystemNic(nic.name(), nic.network(), mac, nic.model()));
        }
        return withMacs;
    }

    /** rasd:InstanceID, which some exporters write InstanceId. */
    private static String instanceId(Element item) {
        for (Element child : childElements(item)) {
            if ("instanceid".equalsIgnoreCase(child.getLocalName())) {
                return text(child);
            }
        }
        return "";
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
        Matcher multiplied = MULTIPLIED_UNITS.matcher(unit);
        try {
            long value = 0;
            if (power.matches()) {
                long base = Long.parseLong(power.group(1));
                int exponent = Integer.parseInt(power.group(2));
                if (base > 1 && exponent > 63) {
                    throw new ArithmeticException("past 2^63"); // and no loop of billions of steps
                }
                value = base == 0 && exponent > 0 ? 0 : 1;
                for (int i = 0; base > 1 && i < exponent; i++) {
                    value = Math.multiplyExact(value, base);
                }
            } else if (multiplied.matches()) {
                value = Long.parseLong(multiplied.group(1));
            }
            if (power.matches() || multiplied.matches()) {
                if (value < 1) {
                    throw new OvfException(where + ": " + what + " has allocation units '" + text
                            + "', less than a byte; use e.g. 'byte * 2^30'");
                }
                return value;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new OvfException(where + ": " + what + " has allocation units '" + text
                    + "' larger than any size; use e.g. 'byte * 2^30'");
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
            // Deep nesting would overflow the stack of every recursive DOM walk; real OVFs nest about 8 deep.
            factory.setAttribute("http://www.oracle.com/xml/jaxp/properties/maxElementDepth", "256");
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

    /** The first child section of a kind (typed element or Section xsi:type). */
    private static Element firstSection(Element parent, String section) {
        for (Element child : childElements(parent)) {
            if (isSection(child, section)) {
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

    /** The children named localName of every section of that kind (typed element or Section xsi:type). */
    private static List<Element> sectionChildren(Element root, String section, String localName) {
        List<Element> found = new ArrayList<>();
        NodeList all = root.getElementsByTagNameNS("*", "*");
        List<Element> sections = new ArrayList<>();
        for (int i = 0; i < all.getLength(); i++) {
            if (isSection((Element) all.item(i), section)) {
                sections.add((Element) all.item(i));
            }
        }
        for (Element sectionElement : sections) {
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
