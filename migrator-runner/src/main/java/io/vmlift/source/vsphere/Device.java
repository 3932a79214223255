package io.vmlift.source.vsphere;

import io.vmlift.source.vsphere.PropertyReader.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What vmlift keeps of a VM's virtual device (config.hardware.device): its type and the few fields of it and
 * its backing that migration needs. Types are vSphere's names: VirtualDisk, VirtualVmxnet3, ParaVirtualSCSIController.
 *
 * @param capacityBytes for disks
 * @param mac for network adapters
 * @param backingType e.g. VirtualDiskFlatVer2BackingInfo, VirtualEthernetCardNetworkBackingInfo
 * @param datastore the datastore id of a file backing
 * @param network the network id of a standard portgroup backing
 * @param portgroupKey the portgroup key of a distributed port backing
 */
record Device(String type, int key, String label, Integer controllerKey, long capacityBytes, String mac,
        String backingType, String fileName, String datastore, String diskMode, Boolean thin, String sharing,
        String compatibilityMode, String deviceName, String network, String portgroupKey) {

    static final Set<String> NETWORK_ADAPTERS = Set.of("VirtualE1000", "VirtualE1000e", "VirtualPCNet32",
            "VirtualVmxnet", "VirtualVmxnet2", "VirtualVmxnet3", "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard");

    boolean isDisk() {
        return type.equals("VirtualDisk");
    }

    boolean isNetworkAdapter() {
        return NETWORK_ADAPTERS.contains(type) || mac != null;
    }

    static List<Device> all(Node array) {
        List<Device> devices = new ArrayList<>();
        for (List<Node> nodes : array.children().values()) {
            for (Node node : nodes) {
                devices.add(of(node));
            }
        }
        return devices;
    }

    private static Device of(Node node) {
        Node backing = node.child("backing");
        String controllerKey = node.text("controllerKey");
        long capacity = InventoryCollector.asLong(node.text("capacityInBytes"));
        if (capacity <= 0) { // vcsim leaves capacityInBytes out
            long kb = InventoryCollector.asLong(node.text("capacityInKB"));
            capacity = kb < 0 ? -1 : kb * 1024;
        }
        return new Device(node.type() == null ? "VirtualDevice" : node.type(), InventoryCollector.asInt(node.text("key"), -1),
                node.path("deviceInfo", "label"), controllerKey == null ? null : InventoryCollector.asInt(controllerKey, -1),
                capacity, node.text("macAddress"),
                backing == null ? null : backing.type(),
                backing == null ? null : backing.text("fileName"),
                backing == null || backing.child("datastore") == null ? null : backing.child("datastore").text(),
                backing == null ? null : backing.text("diskMode"),
                backing == null || backing.text("thinProvisioned") == null ? null
                        : Boolean.valueOf(backing.text("thinProvisioned")),
                backing == null ? null : backing.text("sharing"),
                backing == null ? null : backing.text("compatibilityMode"),
                backing == null ? null : backing.text("deviceName"),
                backing == null || backing.child("network") == null ? null : backing.child("network").text(),
                backing == null ? null : backing.path("port", "portgroupKey"));
    }
}
