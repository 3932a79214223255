package io.vmlift.source.vsphere;

import com.vmware.vim25.DistributedVirtualSwitchPortConnection;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.VirtualAHCIController;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceFileBackingInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualDiskFlatVer2BackingInfo;
import com.vmware.vim25.VirtualDiskRawDiskMappingVer1BackingInfo;
import com.vmware.vim25.VirtualDiskSparseVer2BackingInfo;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardDistributedVirtualPortBackingInfo;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualIDEController;
import com.vmware.vim25.VirtualPCIPassthrough;
import com.vmware.vim25.VirtualSATAController;
import com.vmware.vim25.VirtualSCSIController;
import com.vmware.vim25.VirtualSriovEthernetCard;
import com.vmware.vim25.VirtualUSB;
import io.vmlift.model.inventory.Disk;
import io.vmlift.model.inventory.Nic;
import io.vmlift.model.inventory.Vm;
import io.vmlift.source.vsphere.InventoryCollector.Item;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a VM's properties from the collector pass into vmlift's Vm. */
final class VmMapper {
    private final Map<String, Item> byId;
    private final Map<String, Item> portgroupsByKey = new HashMap<>();

    VmMapper(InventoryCollector.Snapshot snapshot) {
        this.byId = snapshot.byId();
        for (Item item : byId.values()) {
            if (item.type().equals("DistributedVirtualPortgroup") && item.string("key") != null) {
                portgroupsByKey.put(item.string("key"), item);
            }
        }
    }

    /** Null for a VM whose configuration the server could not read (inaccessible, being created). */
    Vm map(Item item) {
        if (item.get("config.hardware.numCPU") == null) {
            return null;
        }
        VirtualDevice[] devices = InventoryCollector.devices(item);
        Map<Integer, VirtualDevice> byKey = new HashMap<>();
        for (VirtualDevice device : devices) {
            byKey.put(device.getKey(), device);
        }
        List<Disk> disks = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        List<String> passthrough = new ArrayList<>();
        for (VirtualDevice device : devices) {
            if (device instanceof VirtualDisk disk) {
                disks.add(disk(disk, byKey));
            } else if (device instanceof VirtualSriovEthernetCard card) {
                passthrough.add(label(card) + " (SR-IOV)");
                nics.add(nic(card));
            } else if (device instanceof VirtualEthernetCard card) {
                nics.add(nic(card));
            } else if (device instanceof VirtualPCIPassthrough || device instanceof VirtualUSB) {
                passthrough.add(label(device));
            }
        }
        Object hostRef = item.get("runtime.host");
        Item host = hostRef instanceof ManagedObjectReference mor ? byId.get(mor.getVal()) : null;
        int cpus = InventoryCollector.asInt(item.get("config.hardware.numCPU"), 1);
        Vm.Details details = new Vm.Details(item.string("config.uuid"), host == null ? null : host.string("name"),
                InventoryCollector.snapshotCount(item), (Boolean) item.get("config.changeTrackingEnabled"),
                InventoryCollector.toolsRunning(item), Boolean.TRUE.equals(item.get("config.template")),
                List.copyOf(passthrough));
        return new Vm(item.id(), item.string("name"), cpus,
                InventoryCollector.asInt(item.get("config.hardware.numCoresPerSocket"), 1),
                InventoryCollector.asLong(item.get("config.hardware.memoryMB")),
                "efi".equals(item.string("config.firmware")) ? Vm.EFI : Vm.BIOS, false,
                item.string("config.guestId"), powerState(item.string("runtime.powerState")),
                InventoryCollector.path(byId, item), disks, nics, details);
    }

    /** The source firmware as vSphere names it, which may be neither bios nor efi. */
    static String firmwareOf(Item item) {
        return item.string("config.firmware");
    }

    static String powerState(String vsphere) {
        if (vsphere == null) {
            return "unknown";
        }
        return switch (vsphere) {
            case "poweredOn" -> "on";
            case "poweredOff" -> "off";
            case "suspended" -> "suspended";
            default -> "unknown";
        };
    }

    private Disk disk(VirtualDisk disk, Map<Integer, VirtualDevice> byKey) {
        long capacity = disk.getCapacityInBytes() != null && disk.getCapacityInBytes() > 0
                ? disk.getCapacityInBytes() : disk.getCapacityInKB() * 1024L;
        String file = null;
        String storageId = null;
        String mode = null;
        Boolean thin = null;
        String rdm = null;
        boolean shared = false;
        if (disk.getBacking() instanceof VirtualDeviceFileBackingInfo backing) {
            file = backing.getFileName();
            storageId = backing.getDatastore() == null ? null : backing.getDatastore().getVal();
        }
        if (disk.getBacking() instanceof VirtualDiskFlatVer2BackingInfo flat) {
            mode = flat.getDiskMode();
            thin = flat.getThinProvisioned();
            shared = isShared(flat.getSharing());
        } else if (disk.getBacking() instanceof VirtualDiskSparseVer2BackingInfo sparse) {
            mode = sparse.getDiskMode();
            thin = Boolean.TRUE;
        } else if (disk.getBacking() instanceof VirtualDiskRawDiskMappingVer1BackingInfo raw) {
            mode = raw.getDiskMode();
            rdm = "physicalMode".equals(raw.getCompatibilityMode()) ? "physical" : "virtual";
            shared = isShared(raw.getSharing());
        }
        VirtualDevice controller = disk.getControllerKey() == null ? null : byKey.get(disk.getControllerKey());
        return new Disk(Integer.toString(disk.getKey()), label(disk), capacity, storageId, file, bus(controller),
                "vmdk", shared, mode, thin, rdm);
    }

    private static boolean isShared(String sharing) {
        return sharing != null && !sharing.equals("sharingNone");
    }

    private static String bus(VirtualDevice controller) {
        if (controller instanceof VirtualSCSIController) {
            return "scsi";
        }
        if (controller instanceof VirtualAHCIController || controller instanceof VirtualSATAController) {
            return "sata";
        }
        if (controller instanceof VirtualIDEController) {
            return "ide";
        }
        return controller == null ? "scsi" : controller.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private Nic nic(VirtualEthernetCard card) {
        String networkId = null;
        String networkName = null;
        if (card.getBacking() instanceof VirtualEthernetCardNetworkBackingInfo backing) {
            networkName = backing.getDeviceName();
            networkId = backing.getNetwork() == null ? null : backing.getNetwork().getVal();
        } else if (card.getBacking() instanceof VirtualEthernetCardDistributedVirtualPortBackingInfo backing) {
            DistributedVirtualSwitchPortConnection port = backing.getPort();
            Item portgroup = port == null ? null : portgroupsByKey.get(port.getPortgroupKey());
            networkId = portgroup != null ? portgroup.id() : port == null ? null : port.getPortgroupKey();
            networkName = portgroup != null ? portgroup.string("name") : networkId;
        }
        if (networkId != null && networkName == null && byId.containsKey(networkId)) {
            networkName = byId.get(networkId).string("name");
        }
        String mac = card.getMacAddress() == null || card.getMacAddress().isEmpty() ? null
                : card.getMacAddress().toLowerCase(Locale.ROOT);
        return new Nic(label(card), mac, networkName, networkId, model(card));
    }

    /** vmxnet3, e1000e, e1000, pcnet32, sriov: the class name without "Virtual". */
    private static String model(VirtualEthernetCard card) {
        String name = card.getClass().getSimpleName();
        if (card instanceof VirtualSriovEthernetCard) {
            return "sriov";
        }
        return (name.startsWith("Virtual") ? name.substring("Virtual".length()) : name).toLowerCase(Locale.ROOT);
    }

    private static String label(VirtualDevice device) {
        return device.getDeviceInfo() != null && device.getDeviceInfo().getLabel() != null
                ? device.getDeviceInfo().getLabel() : device.getClass().getSimpleName() + " " + device.getKey();
    }
}
