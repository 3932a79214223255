package io.vmlift.source.ova;

import io.vmlift.spi.PowerState;
import io.vmlift.spi.DiskBus;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.PowerControl;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceFailures;
import io.vmlift.source.SourceProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * OVA/OVF source: the provider url is a folder of packages, one .ova, or one .ovf. Packages have no power
 * state and are only ever read.
 */
final class OvaProvider implements SourceProvider {
    /** OVA packages have no datastores: every disk lives on this one storage, which a StorageMap maps. */
    static final String STORAGE_ID = "ova";

    private record Entry(OvaPackage pkg, OvfDescriptor.VirtualSystem system, Vm vm) {}

    private final Inventory.ProviderInfo info;
    private final List<OvaPackage> packages = new ArrayList<>();
    private final Map<String, Entry> byVmId = new LinkedHashMap<>();
    private final Inventory inventory;

    private final boolean verifyManifest;
    private final List<String> skipped = new ArrayList<>();

    /**
     * @param verifyManifest check each disk file against the package's .mf digests (reads the files whole)
     * @param deploymentOption the OVF configuration to read where a package offers several, or null
     */
    OvaProvider(Inventory.ProviderInfo info, Path root, boolean verifyManifest, String deploymentOption)
            throws IOException {
        this.info = info;
        this.verifyManifest = verifyManifest;
        try {
            boolean folder = Files.isDirectory(root);
            for (Path file : packagesAt(root, skipped)) {
                String location = folder ? root.relativize(file).toString() : file.getFileName().toString();
                try {
                    packages.add(OvaPackage.open(file, location, deploymentOption));
                } catch (IOException e) {
                    if (!folder) {
                        throw e;
                    }
                    // As Forklift does: one broken package does not hide the others; it is named instead.
                    skipped.add(location + " was passed over: " + SourceFailures.rootMessage(e));
                }
            }
            this.inventory = collect();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The packages at root: itself, or in a folder the .ova files up to one subfolder deep and the .ovf files up
     * to two (Forklift's cmd/provider-common/inventory/scan.go). Links that lead out of the folder are passed over.
     */
    private static List<Path> packagesAt(Path root, List<String> skipped) throws IOException {
        if (!Files.exists(root)) {
            throw new NoSuchFileException(root + " does not exist");
        }
        if (!Files.isDirectory(root)) {
            return List.of(root);
        }
        Path realRoot = root.toRealPath();
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 3)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                int depth = root.relativize(file).getNameCount();
                boolean ova = name.endsWith(".ova") && depth <= 2;
                boolean ovf = name.endsWith(".ovf") && depth <= 3;
                if (!(ova || ovf) || !Files.isRegularFile(file)) {
                    continue;
                }
                if (!file.toRealPath().startsWith(realRoot)) {
                    skipped.add(root.relativize(file) + " was passed over: it is a symbolic link to a file outside "
                            + root);
                    continue;
                }
                found.add(file);
            }
        }
        return found;
    }

    private Inventory collect() {
        Map<String, Network> networks = new LinkedHashMap<>();
        long total = 0;
        for (OvaPackage pkg : packages) {
            OvfDescriptor descriptor = pkg.descriptor();
            descriptor.networks().forEach(n -> networks.putIfAbsent(n, network(n)));
            for (OvfDescriptor.VirtualSystem system : descriptor.systems()) {
                String id = UUID.nameUUIDFromBytes((pkg.location() + "#" + system.id()).getBytes(StandardCharsets.UTF_8))
                        .toString();
                List<Disk> disks = new ArrayList<>();
                for (OvfDescriptor.SystemDisk systemDisk : system.disks()) {
                    OvfDescriptor.DiskDef def = descriptor.disks().get(systemDisk.diskId());
                    OvfDescriptor.FileRef file = def == null ? null : descriptor.files().get(def.fileRef());
                    disks.add(Disk.ofImage(systemDisk.diskId(), systemDisk.name(), def == null ? -1 : def.capacityBytes(),
                            STORAGE_ID, file == null ? null : pkg.display(file.href()), DiskBus.of(systemDisk.bus()),
                            def == null ? null : format(def.format()), file == null ? null : file.href()));
                    // Saturating: thousands of disks of the largest size must not wrap the total.
                    total = Math.min(Long.MAX_VALUE - DiskImage.MAX_VIRTUAL_SIZE,
                            total + (def == null ? 0 : Math.max(0, def.capacityBytes())));
                }
                List<Nic> nics = new ArrayList<>();
                for (OvfDescriptor.SystemNic nic : system.nics()) {
                    networks.putIfAbsent(nic.network(), network(nic.network()));
                    nics.add(new Nic(nic.name(), nic.mac(), nic.network(), nic.network(), nic.model()));
                }
                Vm vm = new Vm(id, system.name(), system.cpus(), system.coresPerSocket(), system.memoryMiB(),
                        system.firmware(), system.secureBoot(), system.osType(), PowerState.OFF, pkg.location(), disks, nics, null);
                byVmId.put(id, new Entry(pkg, system, vm));
            }
        }
        // Forklift's OVA storage was one per provider under this name (its documentation's maps use it); since
        // late 2024 it is one per disk file, named by the file (Disk.forkliftStorage).
        Storage storage = new Storage(STORAGE_ID, STORAGE_ID, total, 0,
                List.of("Dummy storage for source provider " + info.name()));
        return new Inventory(info, byVmId.values().stream().map(Entry::vm).collect(Collectors.toList()),
                new ArrayList<>(networks.values()), List.of(storage), skipped.isEmpty() ? null : List.copyOf(skipped));
    }

    /** OVF networks are known by name; Forklift's inventory knows them by a hash of it. */
    private static Network network(String name) {
        return new Network(name, name, null, ForkliftIds.network(name));
    }

    /** The OVF disk format URL's fragment, as vmlift names formats. */
    private static String format(String url) {
        String lower = url == null ? "" : url.toLowerCase(Locale.ROOT);
        if (lower.contains("streamoptimized")) {
            return "vmdk-stream";
        }
        if (lower.contains("vmdk")) {
            return "vmdk-sparse";
        }
        if (lower.contains("qcow")) {
            return "qcow2";
        }
        return lower.isEmpty() ? null : "raw";
    }

    @Override
    public Inventory inventory() {
        return inventory;
    }

    @Override
    public List<Concern> validate(Vm vm) {
        Entry entry = entry(vm);
        OvfDescriptor descriptor = entry.pkg().descriptor();
        List<Concern> concerns = new ArrayList<>();
        for (String problem : entry.system().problems()) {
            concerns.add(Concern.critical("ova.descriptor.invalid", vm.name(), "The OVF in " + entry.pkg().location()
                    + " says what no VM can have: " + problem, "fix the descriptor, or export the VM again"));
        }
        List<SourceDisk> readers = disks(vm);
        for (int index = 0; index < entry.system().disks().size(); index++) {
            OvfDescriptor.SystemDisk systemDisk = entry.system().disks().get(index);
            OvfDescriptor.DiskDef def = descriptor.disks().get(systemDisk.diskId());
            if (def == null) {
                concerns.add(Concern.critical("ova.disk.undefined", vm.name(), "Disk " + systemDisk.diskId()
                        + " is not in the OVF DiskSection", "fix the OVF: every disk item needs a Disk entry"));
                continue;
            }
            OvfDescriptor.FileRef file = descriptor.files().get(def.fileRef());
            if (def.fileRef() == null) {
                continue; // a disk without a file is a blank disk of its capacity
            }
            String problem = file == null ? "the OVF References no file " + def.fileRef() : fileProblem(entry.pkg(), file);
            if (problem != null) {
                concerns.add(Concern.critical("ova.disk.missing", vm.name(), "The file of disk " + def.id()
                        + " cannot be read: " + problem, "re-export the OVA with its disks"));
            } else {
                if (verifyManifest) {
                    manifestConcern(entry.pkg(), file, vm).ifPresent(concerns::add);
                }
                if (file.compression() != null) {
                    concerns.add(Concern.info("ova.disk.compressed", vm.name(), "Disk " + def.id() + " is "
                            + file.compression() + " compressed", "vmlift inflates it to a temporary file first"));
                    String gzip = "gzip".equalsIgnoreCase(file.compression()) ? entry.pkg().gzipProblem(file, def)
                            : "compression '" + file.compression() + "' is not one OVF defines (gzip)";
                    if (gzip != null) {
                        concerns.add(Concern.critical("ova.disk.unreadable", vm.name(), "Disk " + def.id()
                                + " cannot be read: " + gzip, "re-export the OVA, or convert the disk with qemu-img"));
                    }
                } else {
                    readabilityConcern(readers.get(index), def, vm).ifPresent(concerns::add);
                }
            }
        }
        for (Nic nic : vm.nics()) {
            if (nic.mac() == null) {
                concerns.add(Concern.info("ova.nic.mac.missing", vm.name(), "NIC " + nic.name()
                        + " has no MAC address in the OVF", "KubeVirt assigns a new MAC"));
            }
        }
        if (vm.osType() == null || vm.osType().isEmpty()) {
            concerns.add(Concern.warning("ova.os.unknown", vm.name(), "The OVF does not say which OS the VM runs",
                    "vmlift uses compatible devices (SATA, E1000E)"));
        }
        return concerns;
    }

    /**
     * Opens the disk as the copy will (headers, grain tables, declared format), so that a damaged image is a
     * Critical concern before anything happens, not a failure in the middle of a migration. Gzip files are
     * checked as a stream instead (OvaPackage.gzipProblem): opening them would inflate them to a file.
     */
    private static Optional<Concern> readabilityConcern(SourceDisk reader, OvfDescriptor.DiskDef def, Vm vm) {
        try (DiskImage image = reader.open()) {
            if (def.capacityBytes() > 0) {
                DiskImages.requireFits(image, def.capacityBytes(), reader.disk().name());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(Concern.critical("ova.disk.unreadable", vm.name(), "Disk " + def.id()
                    + " cannot be read: " + e.getMessage(), "re-export the OVA, or convert the disk with qemu-img"));
        }
    }

    /** Checks the stored bytes of a disk file against the package's manifest. */
    private static Optional<Concern> manifestConcern(OvaPackage pkg, OvfDescriptor.FileRef file, Vm vm) {
        try {
            Map<String, String[]> manifest = pkg.manifest();
            if (manifest.isEmpty()) {
                return Optional.of(Concern.warning("ova.manifest.missing", vm.name(), pkg.location()
                        + " has no manifest (.mf) to check its files against", "re-export with a manifest, or"
                        + " set the provider setting verifyManifest to false"));
            }
            List<String> checked = new ArrayList<>(pkg.storedAs(file));
            checked.add(pkg.ovfName());
            for (String member : checked) {
                String[] expected = manifest.get(member);
                String problem = expected == null ? pkg.display(member) + " is not in the manifest"
                        : pkg.checkDigest(member, expected[0], expected[1]);
                if (problem != null) {
                    return Optional.of(Concern.critical("ova.manifest.mismatch", vm.name(), problem,
                            "the package was damaged or changed after export; copy or export it again"));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(Concern.critical("ova.manifest.mismatch", vm.name(), "cannot check the manifest: "
                    + e.getMessage(), "copy or export the package again"));
        }
    }

    private static String fileProblem(OvaPackage pkg, OvfDescriptor.FileRef file) {
        try {
            return pkg.problem(file);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    @Override
    public PowerControl power() {
        return PowerControl.ALWAYS_OFF;
    }

    @Override
    public List<SourceDisk> disks(Vm vm) {
        Entry entry = entry(vm);
        OvfDescriptor descriptor = entry.pkg().descriptor();
        List<SourceDisk> disks = new ArrayList<>();
        for (int i = 0; i < vm.disks().size(); i++) {
            Disk disk = vm.disks().get(i);
            OvfDescriptor.DiskDef def = descriptor.disks().get(disk.key());
            disks.add(new SourceDisk() {
                @Override
                public Disk disk() {
                    return disk;
                }

                @Override
                public DiskImage open() throws IOException {
                    OvfDescriptor.FileRef file = def == null ? null : descriptor.files().get(def.fileRef());
                    if (def != null && def.fileRef() == null) {
                        return DiskImages.blank(disk.capacityBytes());
                    }
                    if (file == null) {
                        throw new NoSuchFileException(entry.pkg().location() + ": disk " + disk.key()
                                + " has no file");
                    }
                    return DiskImages.open(entry.pkg().open(file, OvaPackage.storedLimit(disk.capacityBytes())),
                            entry.pkg()::openMember,
                            DiskImages.Declared.fromUri(def.format()));
                }
            });
        }
        return disks;
    }

    private Entry entry(Vm vm) {
        Entry entry = byVmId.get(vm.id());
        if (entry == null) {
            throw new IllegalArgumentException("VM " + vm.id() + " is not from this provider");
        }
        return entry;
    }

    @Override
    public void close() throws IOException {
        for (OvaPackage pkg : packages) {
            pkg.close();
        }
    }
}
