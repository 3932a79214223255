package io.vmlift.source.vsphere;

import io.vmlift.spi.Firmware;
import io.vmlift.spi.DiskBus;
import io.vmlift.spi.PowerState;

import io.vmlift.spi.Disk;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Vm;
import io.vmlift.source.vsphere.InventoryCollector.Item;
import io.vmlift.source.vsphere.PropertyReader.Ref;
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
        List<Device> devices = InventoryCollector.devices(item);
        Map<Integer, Device> byKey = new HashMap<>();
        for (Device device : devices) {
            byKey.put(device.key(), device);
        }
        List<Disk> disks = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        List<String> passthrough = new ArrayList<>();
        for (Device device : devices) {
            if (device.isDisk()) {
                disks.add(disk(device, byKey));
            } else if (device.isNetworkAdapter()) {
                nics.add(nic(device));
                if (device.type().equals("VirtualSriovEthernetCard")) {
                    passthrough.add(device.label() + " (SR-IOV)");
                }
            } else if (device.type().equals("VirtualPCIPassthrough") || device.type().equals("VirtualUSB")) {
                passthrough.add(device.label());
            }
        }
        Item host = item.get("runtime.host") instanceof Ref ref ? byId.get(ref.value()) : null;
        Vm.Details details = new Vm.Details(item.string("config.uuid"), host == null ? null : host.string("name"),
                InventoryCollector.snapshotCount(item), bool(item.string("config.changeTrackingEnabled")),
                InventoryCollector.toolsRunning(item), Boolean.TRUE.equals(bool(item.string("config.template"))),
                List.copyOf(passthrough));
        return new Vm(item.id(), item.string("name"), InventoryCollector.asInt(item.string("config.hardware.numCPU"), 1),
                InventoryCollector.asInt(item.string("config.hardware.numCoresPerSocket"), 1),
                InventoryCollector.asLong(item.string("config.hardware.memoryMB")),
                "efi".equals(item.string("config.firmware")) ? Firmware.EFI : Firmware.BIOS, false,
                item.string("config.guestId"), powerState(item.string("runtime.powerState")),
                InventoryCollector.path(byId, item), disks, nics, details);
    }

    /** The source firmware as vSphere names it, which may be neither bios nor efi. */
    static String firmwareOf(Item item) {
        return item.string("config.firmware");
    }

    static PowerState powerState(String vsphere) {
        if (vsphere == null) {
            return PowerState.UNKNOWN;
        }
        return switch (vsphere) {
            case "poweredOn" -> PowerState.ON;
            case "poweredOff" -> PowerState.OFF;
            case "suspended" -> PowerState.SUSPENDED;
            default -> PowerState.UNKNOWN;
        };
    }

    private static Boolean bool(String text) {
        return text == null ? null : Boolean.valueOf(text);
    }

    private static Disk disk(Device disk, Map<Integer, Device> byKey) {
        String backing = disk.backingType() == null ? "" : disk.backingType();
        String rdm = null;
        if (backing.equals("VirtualDiskRawDiskMappingVer1BackingInfo")) {
            rdm = "physicalMode".equals(disk.compatibilityMode()) ? "physical" : "virtual";
        }
        Boolean thin = backing.startsWith("VirtualDiskSparse") || backing.startsWith("VirtualDiskSeSparse")
                ? Boolean.TRUE : disk.thin();
        boolean shared = disk.sharing() != null && !disk.sharing().equals("sharingNone");
        Device controller = disk.controllerKey() == null ? null : byKey.get(disk.controllerKey());
        return new Disk(Integer.toString(disk.key()), label(disk), disk.capacityBytes(), disk.datastore(),
                disk.fileName(), bus(controller), "vmdk", shared, disk.diskMode(), thin, rdm);
    }

    /** scsi, sata, ide or nvme, from the controller's vSphere type. */
    private static DiskBus bus(Device controller) {
        if (controller == null) {
            return DiskBus.SCSI;
        }
        String type = controller.type();
        if (type.equals("VirtualAHCIController") || type.equals("VirtualSATAController")) {
            return DiskBus.SATA;
        }
        if (type.equals("VirtualIDEController")) {
            return DiskBus.IDE;
        }
        if (type.equals("VirtualNVMEController")) {
            return DiskBus.NVME;
        }
        return DiskBus.SCSI; // ParaVirtualSCSIController, VirtualLsiLogic(SAS)Controller, VirtualBusLogicController
    }

    private Nic nic(Device card) {
        String networkId = card.network();
        String networkName = card.deviceName();
        if (card.portgroupKey() != null) {
            Item portgroup = portgroupsByKey.get(card.portgroupKey());
            networkId = portgroup != null ? portgroup.id() : card.portgroupKey();
            networkName = portgroup != null ? portgroup.string("name") : networkId;
        }
        if (networkId != null && (networkName == null || networkName.isBlank()) && byId.containsKey(networkId)) {
            networkName = byId.get(networkId).string("name");
        }
        String mac = card.mac() == null || card.mac().isEmpty() ? null : card.mac().toLowerCase(Locale.ROOT);
        return new Nic(label(card), mac, networkName, networkId, model(card));
    }

    /** vmxnet3, e1000e, e1000, pcnet32, sriov: the type without "Virtual". */
    private static String model(Device card) {
        if (card.type().equals("VirtualSriovEthernetCard")) {
            return "sriov";
        }
        String name = card.type();
        return (name.startsWith("Virtual") ? name.substring("Virtual".length()) : name).toLowerCase(Locale.ROOT);
    }

    private static String label(Device device) {
        return device.label() != null ? device.label() : device.type() + " " + device.key();
    }
}
