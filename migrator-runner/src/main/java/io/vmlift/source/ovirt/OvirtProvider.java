package io.vmlift.source.ovirt;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.Backoff;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.DiskBus;
import io.vmlift.spi.PowerState;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.disk.RawImage;
import io.vmlift.model.Credentials;
import io.vmlift.model.Serialization;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.TargetNames;
import io.vmlift.source.HttpRangeSource;
import io.vmlift.spi.PowerControl;
import io.vmlift.source.ProviderTrust;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceFailures;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.spi.DiskSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ovirt.engine.sdk4.Connection;
import org.ovirt.engine.sdk4.builders.DiskBuilder;
import org.ovirt.engine.sdk4.builders.ImageTransferBuilder;
import org.ovirt.engine.sdk4.services.ImageTransferService;
import org.ovirt.engine.sdk4.services.VmService;
import org.ovirt.engine.sdk4.types.DiskAttachment;
import org.ovirt.engine.sdk4.types.DiskFormat;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.DiskStorageType;
import org.ovirt.engine.sdk4.types.ImageTransfer;
import org.ovirt.engine.sdk4.types.ImageTransferDirection;
import org.ovirt.engine.sdk4.types.ImageTransferPhase;
import org.ovirt.engine.sdk4.types.NumaTuneMode;
import org.ovirt.engine.sdk4.types.StorageDomain;
import org.ovirt.engine.sdk4.types.VmStatus;
import org.ovirt.engine.sdk4.types.VnicPassThroughMode;

/**
 * An oVirt/RHV engine through its Java SDK: the VMs with their disk attachments, disks, NICs and vNIC profiles
 * read with `follow` in one request, storage domains and networks in one each. Disk bytes (the image transfer
 * API) are not implemented yet: plans from this source are blocked with a concern saying so.
 */
final class OvirtProvider implements SourceProvider {
    static final String FOLLOW = "disk_attachments.disk,nics.vnic_profile,host_devices,watchdogs";
    /** Tries per range of a download before the copy fails. */
    static final int DOWNLOAD_ATTEMPTS = 5;
    /** How often a power state is read while waiting for it: soon at first, then at most 2 s apart. */
    private static final Backoff POWER_POLLS = Backoff.polling(Duration.ofSeconds(2));
    /** How long the engine may take to prepare or to end an image transfer. */
    private static final Duration TRANSFER_READY = Duration.ofMinutes(5);

    private final Inventory.ProviderInfo info;
    private final Connection connection;
    /** For the imageio data plane, with the same trust as the API. */
    private final HttpClient http;
    private Inventory inventory;
    private final Map<String, org.ovirt.engine.sdk4.types.Vm> sourceVms = new HashMap<>();

    /** Forklift's way: CDI copies through imageio, with the engine login and CA handed to it. */
    record CdiImageio(String apiUrl, Credentials credentials) {}

    private final CdiImageio cdi;

    OvirtProvider(Inventory.ProviderInfo info, Connection connection, ProviderTrust trust, CdiImageio cdi) {
        this.info = info;
        this.connection = connection;
        this.cdi = cdi;
        this.http = HttpClient.newBuilder().sslContext(trust.sslContext()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    @Override
    public synchronized Inventory inventory() throws IOException {
        if (inventory != null) {
            return inventory;
        }
        try {
            var system = connection.systemService();
            List<Network> networks = new ArrayList<>();
            for (var network : system.networksService().list().send().networks()) {
                networks.add(new Network(network.id(), network.name(),
                        network.vlan() == null || network.vlan().id() == null ? null : network.vlan().id().toString()));
            }
            List<Storage> storage = new ArrayList<>();
            for (StorageDomain domain : system.storageDomainsService().list().send().storageDomains()) {
                long available = bytes(domain.available());
                long used = bytes(domain.used());
                storage.add(new Storage(domain.id(), domain.name(), available < 0 || used < 0 ? -1 : available + used,
                        available));
            }
            Map<String, String> networkNames = new HashMap<>();
            networks.forEach(n -> networkNames.put(n.id(), n.name()));
            List<Vm> vms = new ArrayList<>();
            for (var vm : system.vmsService().list().follow(FOLLOW).send().vms()) {
                sourceVms.put(vm.id(), vm);
                vms.add(map(vm, networkNames));
            }
            inventory = new Inventory(info, vms, networks, storage);
            return inventory;
        } catch (RuntimeException e) {
            throw SourceProviders.unreadable(info.url(), e, SourceFailures.rootMessage(e), "check the"
                    + " connection, that the session is still valid, and that the user may read VMs, storage"
                    + " domains and networks");
        }
    }

    private static Vm map(org.ovirt.engine.sdk4.types.Vm vm, Map<String, String> networkNames) {
        List<Disk> disks = new ArrayList<>();
        for (DiskAttachment attachment : vm.diskAttachments()) {
            var disk = attachment.disk();
            if (disk == null) {
                continue;
            }
            String storageId = disk.storageDomains().isEmpty() ? null : disk.storageDomains().get(0).id();
            boolean lun = disk.storageType() == DiskStorageType.LUN;
            disks.add(new Disk(disk.id(), disk.name(), bytes(disk.provisionedSize()), storageId,
                    disk.id(), bus(attachment), disk.format() == null ? null : disk.format().value(),
                    disk.shareablePresent() && disk.shareable(), null,
                    disk.sparsePresent() ? disk.sparse() : null, lun ? "lun" : null));
        }
        List<Nic> nics = new ArrayList<>();
        for (var nic : vm.nics()) {
            var profile = nic.vnicProfile();
            String networkId = profile == null || profile.network() == null ? null : profile.network().id();
            String networkName = networkId == null ? null : networkNames.getOrDefault(networkId, networkId);
            nics.add(new Nic(nic.name(), nic.mac() == null ? null : nic.mac().address().toLowerCase(Locale.ROOT),
                    networkName, networkId, nic.interface_() == null ? null : nic.interface_().value()));
        }
        int sockets = vm.cpu() == null || vm.cpu().topology() == null ? 1 : vm.cpu().topology().socketsAsInteger();
        int cores = vm.cpu() == null || vm.cpu().topology() == null ? 1 : vm.cpu().topology().coresAsInteger();
        int threads = vm.cpu() == null || vm.cpu().topology() == null || vm.cpu().topology().threads() == null ? 1
                : vm.cpu().topology().threadsAsInteger();
        String bios = vm.bios() == null || vm.bios().type() == null ? "" : vm.bios().type().value();
        Vm.Details details = new Vm.Details(vm.id(), vm.host() == null ? null : vm.host().id(),
                vm.snapshotsPresent() ? vm.snapshots().size() : 0, null, null, false, List.of());
        return new Vm(vm.id(), vm.name(), sockets * cores * threads, cores * threads,
                bytes(vm.memory()) / (1024 * 1024), bios.contains("ovmf") ? Firmware.EFI : Firmware.BIOS,
                bios.contains("secure_boot"), vm.os() == null ? null : vm.os().type(),
                vm.status() == VmStatus.UP ? PowerState.ON : vm.status() == VmStatus.DOWN ? PowerState.OFF
                        : PowerState.UNKNOWN,
                vm.cluster() == null ? null : "cluster " + vm.cluster().id(), disks, nics, details);
    }

    private static DiskBus bus(DiskAttachment attachment) {
        if (attachment.interface_() == null) {
            return DiskBus.VIRTIO;
        }
        return switch (attachment.interface_()) {
            case VIRTIO_SCSI, SPAPR_VSCSI -> DiskBus.SCSI;
            case IDE -> DiskBus.IDE;
            case SATA -> DiskBus.SATA;
            default -> DiskBus.VIRTIO;
        };
    }

    private static long bytes(BigInteger value) {
        return value == null ? -1 : value.longValue();
    }

    /** After Forklift's oVirt rules, for what the inventory holds; plus what vmlift cannot do yet. */
    @Override
    public List<Concern> validate(Vm vm) throws IOException {
        inventory();
        List<Concern> concerns = new ArrayList<>();
        org.ovirt.engine.sdk4.types.Vm source = sourceVms.get(vm.id());
        for (Disk disk : vm.disks()) {
            if ("lun".equals(disk.rawDeviceMapping())) {
                concerns.add(Concern.critical("ovirt.disk.lun", vm.name(), "LUN disk detected: " + disk.name(),
                        "vmlift copies images, not LUNs; present the LUN to the cluster directly"));
            }
            if (disk.shared()) {
                concerns.add(Concern.warning("ovirt.disk.shared", vm.name(), "Shareable disk detected: "
                        + disk.name(), "it is copied with this VM; the other VMs that share it get their own copy"));
            }
        }
        if (source != null) {
            vmConcerns(vm.name(), source, concerns);
            for (DiskAttachment attachment : source.diskAttachments()) {
                if (attachment.disk() != null && attachment.disk().status() == DiskStatus.ILLEGAL) {
                    concerns.add(Concern.critical("ovirt.disk.illegal", vm.name(), "Disk " + attachment.disk().name()
                            + " is illegal", "repair or remove the disk in oVirt first"));
                }
                if (attachment.disk() != null && attachment.disk().status() == DiskStatus.LOCKED) {
                    concerns.add(Concern.critical("ovirt.disk.locked", vm.name(), "Disk " + attachment.disk().name()
                            + " is locked by another operation", "wait for it to finish, then plan again"));
                }
            }
        }
        return concerns;
    }

    @Override
    public DiskSource transfer(Vm vm, Disk disk, String planName) {
        if (cdi == null) {
            return new DiskSource.Upload();
        }
        String ca = cdi.credentials().caCertificate();
        return new DiskSource.Imageio(cdi.apiUrl(), disk.key(), TargetNames.withSuffix(planName, "ovirt"),
                ca == null || ca.isBlank() ? null : TargetNames.withSuffix(planName, "ovirt-ca"));
    }

    /** CDI's imageio importer reads the engine login from a Secret with these two keys. */
    @Override
    public Map<String, String> transferSecretData() {
        return cdi == null ? Map.of() : Map.of("accessKeyId", cdi.credentials().user(), "secretKey",
                cdi.credentials().password());
    }

    @Override
    public String transferCertificate() {
        return cdi == null ? null : cdi.credentials().caCertificate();
    }

    /** Forklift's oVirt rules about the VM itself, with their categories. */
    private static void vmConcerns(String name, org.ovirt.engine.sdk4.types.Vm vm, List<Concern> concerns) {
        if (vm.hostDevicesPresent() && !vm.hostDevices().isEmpty()) {
            concerns.add(Concern.critical("ovirt.host_devices", name, "Host devices are passed through to the VM",
                    "remove them; KubeVirt cannot give the migrated VM the same host's devices"));
        }
        for (var nic : vm.nics()) {
            if (nic.vnicProfile() != null && nic.vnicProfile().passThroughPresent()
                    && nic.vnicProfile().passThrough().mode() == VnicPassThroughMode.ENABLED) {
                concerns.add(Concern.critical("ovirt.nic.pci_passthrough", name, "NIC " + nic.name()
                        + " uses PCI passthrough (SR-IOV)", "map it to a Multus network and attach SR-IOV yourself"));
            }
        }
        if (vm.cpu() != null && vm.cpu().cpuTunePresent() && vm.cpu().cpuTune().vcpuPinsPresent()
                && !vm.cpu().cpuTune().vcpuPins().isEmpty()) {
            concerns.add(Concern.warning("ovirt.cpu_tune", name, "vCPUs are pinned to host CPUs",
                    "the pinning is not carried over"));
        }
        if (vm.numaTuneMode() != null && vm.numaTuneMode() != NumaTuneMode.INTERLEAVE) {
            concerns.add(Concern.warning("ovirt.numa_tune", name, "NUMA tuning mode " + vm.numaTuneMode().value(),
                    "the NUMA tuning is not carried over"));
        }
        if (vm.usb() != null && vm.usbPresent() && vm.usb().enabled()) {
            concerns.add(Concern.warning("ovirt.usb", name, "USB support is enabled",
                    "USB devices are not carried over"));
        }
        if (vm.watchdogsPresent() && !vm.watchdogs().isEmpty()) {
            concerns.add(Concern.warning("ovirt.watchdog", name, "The VM has a watchdog device",
                    "add a watchdog to the VirtualMachine yourself if the guest needs one"));
        }
        if (vm.highAvailability() != null && vm.highAvailability().enabledPresent()
                && vm.highAvailability().enabled()) {
            concerns.add(Concern.info("ovirt.ha", name, "The VM is highly available in oVirt",
                    "set its runStrategy (Always) on KubeVirt for the same"));
        }
        if (vm.memoryPolicy() != null && vm.memoryPolicy().ballooningPresent() && vm.memoryPolicy().ballooning()) {
            concerns.add(Concern.info("ovirt.ballooned_memory", name, "Memory ballooning is enabled",
                    "KubeVirt gives the VM its full memory"));
        }
    }

    @Override
    public PowerControl power() {
        return new PowerControl() {
            @Override
            public PowerState state(Vm vm) throws IOException {
                VmStatus status;
                try {
                    status = service(vm).get().send().vm().status();
                } catch (RuntimeException e) {
                    String why = SourceFailures.rootMessage(e);
                    throw new IOException(why.contains("404") ? "VM " + vm.name() + " (" + vm.id() + ") is gone"
                            + " from the engine (HTTP 404); take it out of the plan, or restore it"
                            : "cannot read the status of VM " + vm.name() + ": " + why, e);
                }
                return status == VmStatus.UP ? PowerState.ON : status == VmStatus.DOWN ? PowerState.OFF
                        : PowerState.UNKNOWN;
            }

            @Override
            public void powerOff(Vm vm, Duration gracefulTimeout) throws IOException {
                if (state(vm) == PowerState.OFF) {
                    return;
                }
                try {
                    service(vm).shutdown().send();
                    if (waitFor(vm, PowerState.OFF, gracefulTimeout)) {
                        return;
                    }
                    service(vm).stop().send();
                    if (!waitFor(vm, PowerState.OFF, Duration.ofMinutes(5))) {
                        throw new IOException("VM " + vm.name() + " did not stop");
                    }
                } catch (RuntimeException e) {
                    throw new IOException("oVirt refused to power off VM " + vm.name() + ": "
                            + SourceFailures.rootMessage(e), e);
                }
            }

            @Override
            public void powerOn(Vm vm) throws IOException {
                try {
                    service(vm).start().send();
                } catch (RuntimeException e) {
                    throw new IOException("oVirt refused to power on VM " + vm.name() + ": "
                            + SourceFailures.rootMessage(e), e);
                }
            }

            private boolean waitFor(Vm vm, PowerState wanted, Duration timeout) throws IOException {
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int read = 1; System.nanoTime() < deadline; read++) {
                    if (state(vm) == wanted) {
                        return true;
                    }
                    POWER_POLLS.pause(read);
                }
                return state(vm) == wanted;
            }
        };
    }

    private VmService service(Vm vm) {
        return connection.systemService().vmsService().vmService(vm.id());
    }

    /** Each disk through its own image transfer, opened when the copy opens the disk and ended when it closes it. */
    @Override
    public List<SourceDisk> disks(Vm vm) {
        List<SourceDisk> disks = new ArrayList<>();
        for (Disk disk : vm.disks()) {
            disks.add(new SourceDisk() {
                @Override
                public Disk disk() {
                    return disk;
                }

                @Override
                public DiskImage open() throws IOException {
                    return download(vm, disk);
                }
            });
        }
        return disks;
    }

    /**
     * Creates a download transfer (raw), waits for it to be transferring, and reads it through imageio. Whatever
     * goes wrong after the transfer exists cancels it: nothing stays locked on the engine.
     */
    private DiskImage download(Vm vm, Disk disk) throws IOException {
        var transfers = connection.systemService().imageTransfersService();
        ImageTransfer transfer;
        try {
            transfer = transfers.add().imageTransfer(new ImageTransferBuilder().disk(new DiskBuilder().id(disk.key()))
                    .direction(ImageTransferDirection.DOWNLOAD).format(DiskFormat.RAW)).send().imageTransfer();
        } catch (RuntimeException e) {
            throw new IOException("oVirt refused a download of disk " + disk.name() + " of VM " + vm.name() + ": "
                    + SourceFailures.rootMessage(e), e);
        }
        ImageTransferService service = transfers.imageTransferService(transfer.id());
        try {
            long deadline = System.nanoTime() + TRANSFER_READY.toNanos();
            while (transfer.phase() == ImageTransferPhase.INITIALIZING && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(500));
                transfer = service.get().send().imageTransfer();
            }
            if (transfer.phase() != ImageTransferPhase.TRANSFERRING) {
                throw new IOException("the transfer of disk " + disk.name() + " is " + transfer.phase().value()
                        + ", not transferring");
            }
            String url = transfer.transferUrl() != null ? transfer.transferUrl() : transfer.proxyUrl();
            HttpRangeSource source = HttpRangeSource.open(http, URI.create(url), Map.of(), "oVirt disk "
                    + disk.name(), DOWNLOAD_ATTEMPTS, Duration.ofMinutes(10));
            List<Extent> extents = extents(url, disk.capacityBytes());
            return new ImageioImage(new RawImage(source), disk.capacityBytes(), extents, () -> finish(service, disk));
        } catch (IOException | RuntimeException e) {
            cancel(service);
            throw e instanceof IOException io ? io : new IOException("the transfer of disk " + disk.name()
                    + " failed: " + SourceFailures.rootMessage(e), e);
        }
    }

    /** imageio's /extents: [{"start":..., "length":..., "zero": true|false, "hole": ...}], data where not zero. */
    private List<Extent> extents(String url, long capacity) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(url + "/extents")).GET()
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        if (response.statusCode() != 200) {
            return List.of(new Extent(0, capacity)); // an imageio without extents: read it all
        }
        List<Extent> data = new ArrayList<>();
        for (JsonNode run : Serialization.json().readTree(response.body())) {
            if (!run.path("zero").asBoolean()) {
                data.add(new Extent(run.path("start").asLong(), run.path("length").asLong()));
            }
        }
        return data;
    }

    /** Finalizes the transfer and waits for the engine to say how it ended; cancels when finalizing fails. */
    private static void finish(ImageTransferService service, Disk disk) throws IOException {
        try {
            service.finalize_().send();
            long deadline = System.nanoTime() + TRANSFER_READY.toNanos();
            while (System.nanoTime() < deadline) {
                ImageTransferPhase phase = service.get().send().imageTransfer().phase();
                if (phase == ImageTransferPhase.FINISHED_SUCCESS) {
                    return;
                }
                if (phase == ImageTransferPhase.FINISHED_FAILURE) {
                    throw new IOException("the transfer of disk " + disk.name() + " ended in finished_failure");
                }
                sleep(Duration.ofMillis(500));
            }
        } catch (RuntimeException e) {
            // A transfer that is gone has ended; one that cannot be finalized is cancelled.
            if (!String.valueOf(e.getMessage()).contains("404")) {
                cancel(service);
            }
        }
    }

    private static void cancel(ImageTransferService service) {
        try {
            service.cancel().send();
        } catch (RuntimeException e) {
            // the engine times the transfer out (inactivity timeout) and releases the disk
        }
    }

    private static void sleep(Duration duration) throws InterruptedIOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (Exception e) {
            // the token expires on the engine anyway
        }
    }
}
