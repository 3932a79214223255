package io.vmlift.source.vsphere;

import com.vmware.vim25.DiskChangeExtent;
import com.vmware.vim25.DiskChangeInfo;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.VirtualDiskFlatVer2BackingInfo;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import com.vmware.vim25.mo.VirtualMachineSnapshot;
import io.vmlift.Backoff;
import io.vmlift.spi.PowerState;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.disk.Extent;
import io.vmlift.model.Credentials;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.TargetNames;
import io.vmlift.spi.ChangeTracking;
import io.vmlift.source.HttpRangeSource;
import io.vmlift.spi.PowerControl;
import io.vmlift.spi.Snapshots;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceFailures;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.source.vsphere.InventoryCollector.Item;
import io.vmlift.spi.DiskSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.rmi.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A vCenter or ESXi host, through yavijava (kept inside this package, so that VMware's own SDK can replace it).
 * vmlift changes one thing at the source: the power state of the VMs it migrates.
 */
final class VsphereProvider implements SourceProvider {
    /** "[datastore] folder/file.vmdk", vSphere's datastore path. */
    private static final Pattern DATASTORE_PATH = Pattern.compile("^\\[([^\\]]+)\\]\\s*(.+)$");
    /** How often a power state is read while waiting for it: soon at first, then at most 2 s apart. */
    private static final Backoff POWER_POLLS = Backoff.polling(Duration.ofSeconds(2));
    /** Tries per range of a datastore download before the copy fails. */
    static final int DOWNLOAD_ATTEMPTS = 5;

    private final Inventory.ProviderInfo info;
    private final VsphereConnection connection;
    private final Credentials credentials;
    /** Forklift's vddkInitImage setting: when set, CDI copies the disks inside the cluster with VMware's VDDK. */
    private final String vddkInitImage;
    /** What the inventory pass read besides VMs (folders, datacenters, hosts, datastores), for inventory paths. */
    private Map<String, Item> places;
    /** config.firmware of each VM as vSphere gives it, by VM id; Vm.firmware only knows bios and efi. */
    private Map<String, String> rawFirmware;
    private Inventory inventory;

    VsphereProvider(Inventory.ProviderInfo info, VsphereConnection connection, Credentials credentials,
            String vddkInitImage) {
        this.info = info;
        this.connection = connection;
        this.credentials = credentials;
        this.vddkInitImage = vddkInitImage == null || vddkInitImage.isBlank() ? null : vddkInitImage;
    }

    @Override
    public synchronized Inventory inventory() throws IOException {
        if (inventory == null) {
            InventoryCollector.Snapshot snapshot;
            try {
                snapshot = new InventoryCollector(connection).collect();
            } catch (IOException | RuntimeException e) { // RemoteException is an IOException
                throw SourceProviders.unreadable(info.url(), e, SourceFailures.rootMessage(e), "check the"
                        + " connection and that the user has read access (System.View, System.Read) on the whole"
                        + " inventory");
            }
            VmMapper mapper = new VmMapper(snapshot);
            List<Vm> vms = new ArrayList<>();
            Map<String, String> firmware = new HashMap<>();
            for (Item item : snapshot.vms()) {
                Vm vm = mapper.map(item);
                if (vm != null) {
                    vms.add(vm);
                    firmware.put(vm.id(), VmMapper.firmwareOf(item));
                }
            }
            inventory = new Inventory(info, vms, InventoryCollector.networks(snapshot), InventoryCollector.storage(snapshot));
            // The VMs' raw properties are the bulk of the pass and now live on in the inventory: let them go.
            rawFirmware = firmware;
            places = new HashMap<>();
            snapshot.byId().forEach((id, item) -> {
                if (!item.type().equals("VirtualMachine")) {
                    places.put(id, item);
                }
            });
        }
        return inventory;
    }

    @Override
    public List<Concern> validate(Vm vm) throws IOException {
        inventory();
        Set<String> datastores = inventory.storage().stream().map(s -> s.id()).collect(Collectors.toSet());
        return VsphereValidations.of(vm, rawFirmware.get(vm.id()), datastores,
                vddkInitImage != null);
    }

    /**
     * With vddkInitImage set, Forklift's way: a DataVolume with source.vddk, so that CDI reads the disk with
     * VMware's VDDK from inside the cluster, in parallel and at its speed; else vmlift reads and uploads it.
     */
    @Override
    public DiskSource transfer(Vm vm, Disk disk, String planName) {
        if (vddkInitImage == null) {
            return new DiskSource.Upload();
        }
        String thumbprint = credentials.thumbprint() != null && !credentials.thumbprint().isBlank()
                ? credentials.thumbprint() : connection.seenThumbprint();
        return new DiskSource.Vddk(connection.url().toString(), vm.details() == null ? null : vm.details().uuid(),
                disk.file(), thumbprint, vddkSecretName(planName), vddkInitImage);
    }

    /** CDI's VDDK importer reads the vCenter login from a Secret with these two keys. */
    @Override
    public Map<String, String> transferSecretData() {
        return vddkInitImage == null ? Map.of()
                : Map.of("accessKeyId", credentials.user(), "secretKey", credentials.password());
    }

    static String vddkSecretName(String planName) {
        return TargetNames.withSuffix(planName, "vddk");
    }

    @Override
    public PowerControl power() {
        return new Power();
    }

    /** vSphere snapshots (no memory, not quiesced), which CDI's VDDK importer copies the changes between. */
    @Override
    public java.util.Optional<Snapshots> snapshots() {
        return java.util.Optional.of(new Snapshots() {
            @Override
            public String create(Vm vm, String name) throws IOException {
                Task task = runTask(vm, "snapshot", () -> machine(vm).createSnapshot_Task(name,
                        "vmlift warm migration; vmlift removes it", false, false));
                try {
                    Object result = task.getTaskInfo().getResult();
                    if (result instanceof ManagedObjectReference snapshot) {
                        return snapshot.getVal();
                    }
                } catch (RemoteException e) {
                    throw new IOException("cannot read the snapshot vSphere made of VM " + vm.name() + ": "
                            + SourceFailures.rootMessage(e), e);
                }
                throw new IOException("vSphere made a snapshot of VM " + vm.name() + " but did not say which");
            }

            @Override
            public void remove(Vm vm, String id) throws IOException {
                ManagedObjectReference mor = new ManagedObjectReference();
                mor.setType("VirtualMachineSnapshot");
                mor.setVal(id);
                VirtualMachineSnapshot snapshot = new VirtualMachineSnapshot(
                        connection.instance().getServerConnection(), mor);
                try {
                    runTask(vm, "remove snapshot " + id + " of", () -> snapshot.removeSnapshot_Task(false));
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("ManagedObjectNotFound")) {
                        throw e;
                    }
                }
            }
        });
    }

    /** CBT: the disk's changeId in a snapshot's configuration, and QueryChangedDiskAreas over the whole disk. */
    @Override
    public java.util.Optional<ChangeTracking> changeTracking() {
        return java.util.Optional.of(new ChangeTracking() {
            @Override
            public String changeId(Vm vm, String snapshot, Disk disk) throws IOException {
                ManagedObjectReference mor = new ManagedObjectReference();
                mor.setType("VirtualMachineSnapshot");
                mor.setVal(snapshot);
                try {
                    var config = new VirtualMachineSnapshot(connection.instance().getServerConnection(), mor)
                            .getConfig();
                    for (var device : config.getHardware().getDevice()) {
                        if (Integer.toString(device.getKey()).equals(disk.key())
                                && device.getBacking() instanceof VirtualDiskFlatVer2BackingInfo flat
                                && flat.getChangeId() != null && !flat.getChangeId().isBlank()) {
                            return flat.getChangeId();
                        }
                    }
                } catch (RuntimeException e) {
                    throw new IOException("cannot read snapshot " + snapshot + " of VM " + vm.name() + ": "
                            + SourceFailures.rootMessage(e), e);
                }
                throw new IOException("snapshot " + snapshot + " of VM " + vm.name() + " has no change id for disk "
                        + disk.name() + "; is CBT (ctkEnabled) on for it?");
            }

            @Override
            public List<Extent> changedSince(Vm vm, Disk disk, String changeId) throws IOException {
                VirtualMachine machine = machine(vm);
                int key = Integer.parseInt(disk.key());
                return ChangedAreas.collect(offset -> {
                    try {
                        DiskChangeInfo info = machine.queryChangedDiskAreas(null, key, offset, changeId);
                        List<Extent> areas = new ArrayList<>();
                        if (info.getChangedArea() != null) {
                            for (DiskChangeExtent area : info.getChangedArea()) {
                                areas.add(new Extent(area.getStart(), area.getLength()));
                            }
                        }
                        return new ChangedAreas.Window(info.getStartOffset(), info.getLength(), areas);
                    } catch (RemoteException e) {
                        throw new IOException("QueryChangedDiskAreas for disk " + disk.name() + " of VM " + vm.name()
                                + " failed: " + SourceFailures.rootMessage(e), e);
                    }
                }, disk.capacityBytes(), "disk " + disk.name() + " of VM " + vm.name());
            }
        });
    }

    @Override
    public List<SourceDisk> disks(Vm vm) throws IOException {
        inventory();
        List<SourceDisk> disks = new ArrayList<>();
        for (Disk disk : vm.disks()) {
            disks.add(new DatastoreDisk(disk));
        }
        return disks;
    }

    @Override
    public void close() {
        connection.close();
    }

    private VirtualMachine machine(Vm vm) {
        ManagedObjectReference mor = new ManagedObjectReference();
        mor.setType("VirtualMachine");
        mor.setVal(vm.id());
        return new VirtualMachine(connection.instance().getServerConnection(), mor);
    }

    /** Power through the VM's own methods; every call names the VM in its error. */
    private final class Power implements PowerControl {
        @Override
        public PowerState state(Vm vm) throws IOException {
            return toState(runtimeState(vm));
        }

        private VirtualMachinePowerState runtimeState(Vm vm) throws IOException {
            try {
                var runtime = machine(vm).getRuntime();
                if (runtime == null) {
                    throw new IOException("VM " + vm.name() + " (" + vm.id() + ") is gone from " + info.url());
                }
                return runtime.getPowerState();
            } catch (RuntimeException e) { // yavijava wraps RemoteException in RuntimeException for getters
                throw new IOException("cannot read the power state of VM " + vm.name() + ": "
                        + SourceFailures.rootMessage(e), e);
            }
        }

        @Override
        public void powerOff(Vm vm, Duration gracefulTimeout) throws IOException {
            if (runtimeState(vm) != VirtualMachinePowerState.poweredOn) {
                return;
            }
            VirtualMachine machine = machine(vm);
            boolean tools = vm.details() != null && Boolean.TRUE.equals(vm.details().toolsRunning());
            if (tools) {
                try {
                    machine.shutdownGuest();
                    long deadline = System.nanoTime() + gracefulTimeout.toNanos();
                    for (int read = 1; System.nanoTime() < deadline; read++) {
                        if (runtimeState(vm) != VirtualMachinePowerState.poweredOn) {
                            return;
                        }
                        POWER_POLLS.pause(read);
                    }
                } catch (RemoteException e) {
                    // No tools after all, or the guest refused: fall through to a hard power-off.
                }
            }
            runTask(vm, "power off", () -> machine.powerOffVM_Task());
        }

        @Override
        public void powerOn(Vm vm) throws IOException {
            runTask(vm, "power on", () -> machine(vm).powerOnVM_Task(null));
        }

        private static PowerState toState(VirtualMachinePowerState state) {
            if (state == VirtualMachinePowerState.poweredOn) {
                return PowerState.ON;
            }
            return state == VirtualMachinePowerState.poweredOff || state == VirtualMachinePowerState.suspended
                    ? PowerState.OFF : PowerState.UNKNOWN;
        }
    }

    /** Starts a vSphere task on a VM and waits for it; a refusal names the action and the VM. */
    private static Task runTask(Vm vm, String action, TaskStarter starter) throws IOException {
        try {
            Task task = starter.start();
            String result = task.waitForTask();
            if (!Task.SUCCESS.equals(result)) {
                TaskInfo taskInfo = task.getTaskInfo();
                String why = taskInfo.getError() == null ? result : taskInfo.getError().getLocalizedMessage();
                if (taskInfo.getError() != null && taskInfo.getError().getFault() != null) {
                    String fault = taskInfo.getError().getFault().getClass().getSimpleName();
                    why = why == null || why.isBlank() ? fault : why + " (" + fault + ")";
                }
                throw new IOException("vSphere refused to " + action + " VM " + vm.name() + ": " + why);
            }
            return task;
        } catch (RemoteException e) {
            // A missing privilege is fixed by granting it: name it, as vCenter's fault does.
            String privilege = e instanceof com.vmware.vim25.NoPermission missing && missing.getPrivilegeId() != null
                    ? "; grant the vCenter user the privilege " + missing.getPrivilegeId() : "";
            throw new IOException("vSphere refused to " + action + " VM " + vm.name() + ": "
                    + SourceFailures.rootMessage(e) + privilege, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to " + action + " VM " + vm.name());
        }
    }

    @FunctionalInterface
    private interface TaskStarter {
        Task start() throws RemoteException;
    }

    /** A disk read over the datastore's HTTP file access (/folder), with the session's cookie and byte ranges. */
    private final class DatastoreDisk implements SourceDisk {
        private final Disk disk;

        DatastoreDisk(Disk disk) {
            this.disk = disk;
        }

        @Override
        public Disk disk() {
            return disk;
        }

        @Override
        public DiskImage open() throws IOException {
            Matcher m = DATASTORE_PATH.matcher(disk.file() == null ? "" : disk.file());
            if (!m.matches()) {
                throw new IOException("disk " + disk.name() + " has no datastore path ('" + disk.file() + "')");
            }
            String datastore = m.group(1);
            String path = m.group(2);
            String folder = path.contains("/") ? path.substring(0, path.lastIndexOf('/') + 1) : "";
            String dcPath = datacenterPath(disk.storageId());
            return DiskImages.open(file(datastore, path, dcPath),
                    sibling -> file(datastore, folder + sibling, dcPath), DiskImages.Declared.VMDK);
        }

        private HttpRangeSource file(String datastore, String path, String dcPath) throws IOException {
            if (path.contains("..") || path.startsWith("/")) {
                throw new IOException("'" + path + "' is not a file beside its descriptor");
            }
            String base = connection.url().toString().replaceFirst("/sdk/?$", "");
            URI uri = URI.create(base + "/folder/" + encodePath(path) + "?dcPath=" + encode(dcPath) + "&dsName="
                    + encode(datastore));
            return HttpRangeSource.open(connection.http(), uri, Map.of("Cookie", connection.sessionCookie()),
                    "[" + datastore + "] " + path, DOWNLOAD_ATTEMPTS, Duration.ofMinutes(10));
        }
    }

    /** The datacenter's inventory path without the leading slash: what /folder's dcPath wants. */
    private String datacenterPath(String datastoreId) throws IOException {
        Item datastore = places.get(datastoreId);
        Item datacenter = datastore == null ? null : InventoryCollector.datacenter(places, datastore);
        if (datacenter == null) {
            throw new IOException("datastore " + datastoreId + " is in no datacenter the inventory knows");
        }
        return InventoryCollector.path(places, datacenter).substring(1);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        return java.util.Arrays.stream(path.split("/")).map(VsphereProvider::encode)
                .collect(Collectors.joining("/"));
    }
}
