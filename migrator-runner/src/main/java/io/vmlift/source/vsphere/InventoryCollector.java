package io.vmlift.source.vsphere;

import com.vmware.vim25.ArrayOfVirtualDevice;
import com.vmware.vim25.DVPortgroupConfigInfo;
import com.vmware.vim25.DynamicProperty;
import com.vmware.vim25.GuestInfo;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ObjectContent;
import com.vmware.vim25.ObjectSpec;
import com.vmware.vim25.PropertyFilterSpec;
import com.vmware.vim25.PropertySpec;
import com.vmware.vim25.RetrieveOptions;
import com.vmware.vim25.RetrieveResult;
import com.vmware.vim25.SelectionSpec;
import com.vmware.vim25.TraversalSpec;
import com.vmware.vim25.VMwareDVSPortSetting;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualMachineSnapshotInfo;
import com.vmware.vim25.VirtualMachineSnapshotTree;
import com.vmware.vim25.VmwareDistributedVirtualSwitchVlanIdSpec;
import com.vmware.vim25.mo.ContainerView;
import com.vmware.vim25.mo.PropertyCollector;
import com.vmware.vim25.mo.ServiceInstance;
import io.vmlift.model.inventory.Inventory;
import io.vmlift.model.inventory.Network;
import io.vmlift.model.inventory.Storage;
import io.vmlift.model.inventory.Vm;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the whole inventory in one PropertyCollector pass: a ContainerView over the root folder and one
 * RetrievePropertiesEx (continued while the server pages), instead of a request per VM and property, which
 * takes minutes at a few thousand VMs.
 */
final class InventoryCollector {
    /** Objects per page asked of the server; vCenter may page smaller. */
    private static final int PAGE = 1000;

    static final String[] VM_PROPERTIES = {
        "name", "parent", "config.uuid", "config.guestId", "config.firmware", "config.template",
        "config.hardware.numCPU", "config.hardware.numCoresPerSocket", "config.hardware.memoryMB",
        "config.hardware.device", "config.changeTrackingEnabled", "runtime.powerState", "runtime.host", "snapshot",
        "guest"
    };

    /** One managed object as the collector returned it. */
    record Item(String type, String id, Map<String, Object> properties) {
        Object get(String name) {
            return properties.get(name);
        }

        String string(String name) {
            Object value = properties.get(name);
            return value == null ? null : value.toString();
        }

        String parentId() {
            Object parent = properties.get("parent");
            return parent instanceof ManagedObjectReference mor ? mor.getVal() : null;
        }
    }

    /** The raw pass, before it becomes vmlift's inventory: VMs and everything they refer to, by id. */
    record Snapshot(Map<String, Item> byId, List<Item> vms) {}

    private final ServiceInstance instance;

    InventoryCollector(ServiceInstance instance) {
        this.instance = instance;
    }

    Snapshot collect() throws RemoteException {
        ViewScope view = new ViewScope(instance);
        try {
            PropertyFilterSpec filter = new PropertyFilterSpec();
            filter.setObjectSet(new ObjectSpec[] {view.objectSpec()});
            filter.setPropSet(new PropertySpec[] {
                spec("VirtualMachine", VM_PROPERTIES),
                spec("HostSystem", "name", "parent"),
                spec("ComputeResource", "name", "parent"),
                spec("Datacenter", "name", "parent"),
                spec("Folder", "name", "parent"),
                spec("Network", "name", "parent"),
                spec("DistributedVirtualPortgroup", "name", "parent", "key", "config"),
                spec("Datastore", "name", "parent", "summary.capacity", "summary.freeSpace")
            });
            RetrieveOptions options = new RetrieveOptions();
            options.setMaxObjects(PAGE);
            PropertyCollector collector = instance.getPropertyCollector();
            Map<String, Item> byId = new LinkedHashMap<>();
            List<Item> vms = new ArrayList<>();
            RetrieveResult page = collector.retrievePropertiesEx(new PropertyFilterSpec[] {filter}, options);
            while (page != null) {
                if (page.getObjects() != null) {
                    for (ObjectContent content : page.getObjects()) {
                        Item item = item(content);
                        if (byId.putIfAbsent(item.id(), item) == null && item.type().equals("VirtualMachine")) {
                            vms.add(item);
                        }
                    }
                }
                String token = page.getToken();
                page = token == null ? null : collector.continueRetrievePropertiesEx(token);
            }
            return new Snapshot(byId, vms);
        } finally {
            view.destroy();
        }
    }

    private static PropertySpec spec(String type, String... paths) {
        PropertySpec spec = new PropertySpec();
        spec.setType(type);
        spec.setAll(Boolean.FALSE);
        spec.setPathSet(paths);
        return spec;
    }

    private static Item item(ObjectContent content) {
        Map<String, Object> properties = new HashMap<>();
        if (content.getPropSet() != null) {
            for (DynamicProperty property : content.getPropSet()) {
                Object value = property.getVal();
                if (value instanceof ArrayOfVirtualDevice devices) {
                    value = devices.getVirtualDevice();
                }
                properties.put(property.getName(), value);
            }
        }
        ManagedObjectReference obj = content.getObj();
        return new Item(obj.getType(), obj.getVal(), properties);
    }

    /** A ContainerView over everything under the root folder, destroyed after the pass. */
    private static final class ViewScope {
        private final ContainerView view;

        ViewScope(ServiceInstance instance) throws RemoteException {
            this.view = instance.getViewManager().createContainerView(instance.getRootFolder(), new String[] {
                "VirtualMachine", "HostSystem", "ComputeResource", "Datacenter", "Folder", "Network", "Datastore"
            }, true);
        }

        ObjectSpec objectSpec() {
            TraversalSpec traverse = new TraversalSpec();
            traverse.setName("view");
            traverse.setType("ContainerView");
            traverse.setPath("view");
            traverse.setSkip(Boolean.FALSE);
            ObjectSpec spec = new ObjectSpec();
            spec.setObj(view.getMOR());
            spec.setSkip(Boolean.TRUE);
            spec.setSelectSet(new SelectionSpec[] {traverse});
            return spec;
        }

        void destroy() {
            try {
                view.destroyView();
            } catch (RemoteException e) {
                // the session's end removes it anyway
            }
        }
    }

    // ---- helpers the mapper uses -------------------------------------------------------------------------

    static VirtualDevice[] devices(Item vm) {
        Object value = vm.get("config.hardware.device");
        return value instanceof VirtualDevice[] devices ? devices : new VirtualDevice[0];
    }

    static int snapshotCount(Item vm) {
        Object value = vm.get("snapshot");
        return value instanceof VirtualMachineSnapshotInfo info ? count(info.getRootSnapshotList()) : 0;
    }

    private static int count(VirtualMachineSnapshotTree[] trees) {
        int n = 0;
        if (trees != null) {
            for (VirtualMachineSnapshotTree tree : trees) {
                n += 1 + count(tree.getChildSnapshotList());
            }
        }
        return n;
    }

    static Boolean toolsRunning(Item vm) {
        Object value = vm.get("guest");
        if (!(value instanceof GuestInfo guest) || guest.getToolsRunningStatus() == null) {
            return null;
        }
        return "guestToolsRunning".equals(guest.getToolsRunningStatus());
    }

    /** The VLAN of a distributed portgroup when it has a single one. */
    static String vlan(Item portgroup) {
        if (portgroup.get("config") instanceof DVPortgroupConfigInfo config
                && config.getDefaultPortConfig() instanceof VMwareDVSPortSetting setting
                && setting.getVlan() instanceof VmwareDistributedVirtualSwitchVlanIdSpec vlan
                && vlan.getVlanId() != 0) {
            return Integer.toString(vlan.getVlanId());
        }
        return null;
    }

    /** The inventory path of an object: "/DC0/vm/folder/name". Walks parents top-down from what the pass holds. */
    static String path(Map<String, Item> byId, Item item) {
        List<String> names = new ArrayList<>();
        for (Item at = item; at != null; at = at.parentId() == null ? null : byId.get(at.parentId())) {
            if (at.parentId() == null && at.type().equals("Folder")) {
                break; // the root folder has no name in paths
            }
            names.add(0, at.string("name"));
        }
        return "/" + String.join("/", names);
    }

    /** The datacenter an object is in, or null. */
    static Item datacenter(Map<String, Item> byId, Item item) {
        for (Item at = item; at != null; at = at.parentId() == null ? null : byId.get(at.parentId())) {
            if (at.type().equals("Datacenter")) {
                return at;
            }
        }
        return null;
    }

    static List<Network> networks(Snapshot snapshot) {
        List<Network> networks = new ArrayList<>();
        for (Item item : snapshot.byId().values()) {
            if (item.type().equals("Network") || item.type().equals("OpaqueNetwork")) {
                networks.add(new Network(item.id(), item.string("name"), null));
            } else if (item.type().equals("DistributedVirtualPortgroup")) {
                networks.add(new Network(item.id(), item.string("name"), vlan(item)));
            }
        }
        return networks;
    }

    static List<Storage> storage(Snapshot snapshot) {
        List<Storage> storage = new ArrayList<>();
        for (Item item : snapshot.byId().values()) {
            if (item.type().equals("Datastore")) {
                storage.add(new Storage(item.id(), item.string("name"), asLong(item.get("summary.capacity")),
                        asLong(item.get("summary.freeSpace"))));
            }
        }
        return storage;
    }

    static long asLong(Object value) {
        return value instanceof Number number ? number.longValue() : -1;
    }

    static int asInt(Object value, int otherwise) {
        return value instanceof Number number ? number.intValue() : otherwise;
    }

    /** vmlift's inventory: the mapper turns each VM item into a Vm. */
    static Inventory inventory(Inventory.ProviderInfo info, Snapshot snapshot, List<Vm> vms) {
        return new Inventory(info, vms, networks(snapshot), storage(snapshot));
    }
}
