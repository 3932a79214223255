package io.vmlift.source.vsphere;

import io.vmlift.spi.Network;
import io.vmlift.spi.Storage;
import io.vmlift.source.vsphere.PropertyReader.Node;
import io.vmlift.source.vsphere.PropertyReader.Ref;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads the whole inventory in one PropertyCollector pass: a ContainerView over the root folder and one
 * RetrievePropertiesEx (continued while the server pages), instead of a request per VM and property, which
 * takes minutes at a few thousand VMs.
 */
final class InventoryCollector {
    /** Objects per page asked of the server; vCenter may page smaller. */
    static final int PAGE = 1000;
    /** VMs per property request in the second step, and how many such requests run at once. */
    static final int VM_CHUNK = 1000;
    static final int PARALLEL_READS = 4;

    static final String[] VM_PROPERTIES = {
        "name", "parent", "config.uuid", "config.guestId", "config.firmware", "config.template",
        "config.hardware.numCPU", "config.hardware.numCoresPerSocket", "config.hardware.memoryMB",
        "config.hardware.device", "config.changeTrackingEnabled", "runtime.powerState", "runtime.host", "snapshot",
        "guest.toolsRunningStatus"
    };

    /** One managed object as the collector returned it, its properties already in compact form. */
    record Item(String type, String id, Map<String, Object> properties) {
        Object get(String name) {
            return properties.get(name);
        }

        String string(String name) {
            Object value = properties.get(name);
            return value == null ? null : value.toString();
        }

        String parentId() {
            return properties.get("parent") instanceof Ref ref ? ref.value() : null;
        }
    }

    /** The raw pass, before it becomes vmlift's inventory: VMs and everything they refer to, by id. */
    record Snapshot(Map<String, Item> byId, List<Item> vms) {}

    private final VsphereConnection connection;

    InventoryCollector(VsphereConnection connection) {
        this.connection = connection;
    }

    /**
     * Two steps: one pass over the view for the VMs' ids and everything around them (hosts, folders, networks,
     * datastores), then the VMs' own properties, the bulk of the answer, in chunks read in parallel, since
     * parsing 30 MB of XML on one thread is what takes the time.
     */
    Snapshot collect() throws IOException {
        VimClient vim = connection.vim();
        String cookie = connection.sessionCookie();
        String view = vim.createContainerView(connection.content(), cookie, "VirtualMachine", "HostSystem",
                "ComputeResource", "Datacenter", "Folder", "Network", "Datastore");
        try {
            Map<String, Item> byId = new LinkedHashMap<>();
            List<Ref> vmRefs = new ArrayList<>();
            PropertyReader reader = new PropertyReader(vim, cookie, connection.content().propertyCollector());
            reader.retrieveView(view, List.of(
                    new PropertyReader.Spec("VirtualMachine"),
                    new PropertyReader.Spec("HostSystem", "name", "parent"),
                    new PropertyReader.Spec("ComputeResource", "name", "parent"),
                    new PropertyReader.Spec("Datacenter", "name", "parent"),
                    new PropertyReader.Spec("Folder", "name", "parent"),
                    new PropertyReader.Spec("Network", "name", "parent"),
                    new PropertyReader.Spec("DistributedVirtualPortgroup", "name", "parent", "key",
                            "config.defaultPortConfig"),
                    new PropertyReader.Spec("Datastore", "name", "parent", "summary.capacity", "summary.freeSpace")),
                    PAGE, InventoryCollector::keep, InventoryCollector::convert, (type, id, properties) -> {
                        // vcsim lists a distributed portgroup twice; the first is kept.
                        if (byId.putIfAbsent(id, new Item(type, id, properties)) == null
                                && type.equals("VirtualMachine")) {
                            vmRefs.add(new Ref(type, id));
                        }
                    });
            Map<String, Item> vmsById = vmProperties(reader, vmRefs);
            List<Item> vms = new ArrayList<>();
            for (Ref ref : vmRefs) {
                Item vm = vmsById.get(ref.value());
                if (vm != null) { // gone between the two steps
                    byId.put(vm.id(), vm);
                    vms.add(vm);
                }
            }
            return new Snapshot(byId, vms);
        } finally {
            try {
                vim.destroyView(cookie, view);
            } catch (IOException e) {
                // the session's end removes it anyway
            }
        }
    }

    private static Map<String, Item> vmProperties(PropertyReader reader, List<Ref> refs) throws IOException {
        Map<String, Item> vms = new ConcurrentHashMap<>();
        List<List<Ref>> chunks = new ArrayList<>();
        for (int i = 0; i < refs.size(); i += VM_CHUNK) {
            chunks.add(refs.subList(i, Math.min(refs.size(), i + VM_CHUNK)));
        }
        PropertyReader.Spec spec = new PropertyReader.Spec("VirtualMachine", VM_PROPERTIES);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(PARALLEL_READS, chunks.size())));
        try {
            List<Future<?>> reads = new ArrayList<>();
            for (List<Ref> chunk : chunks) {
                reads.add(pool.submit(() -> {
                    reader.retrieveObjects(chunk, spec, PAGE, InventoryCollector::keep, InventoryCollector::convert,
                            (type, id, properties) -> vms.put(id, new Item(type, id, properties)));
                    return null;
                }));
            }
            for (Future<?> read : reads) {
                read.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the inventory");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return vms;
    }

    /** The elements of a device that {@link Device} reads; a device list is mostly other things. */
    private static final Set<String> DEVICE_ELEMENTS = Set.of("VirtualDevice", "key", "deviceInfo", "label",
            "controllerKey", "capacityInKB", "capacityInBytes", "macAddress", "backing", "fileName", "datastore",
            "diskMode", "thinProvisioned", "sharing", "compatibilityMode", "deviceName", "network", "port",
            "portgroupKey");

    private static boolean keep(String property, String element) {
        return switch (property == null ? "" : property) {
            case "config.hardware.device" -> DEVICE_ELEMENTS.contains(element);
            case "snapshot" -> element.equals("rootSnapshotList") || element.equals("childSnapshotList");
            default -> true;
        };
    }

    /** Keeps what vmlift uses of each property: references, devices, counts, text. */
    private static Object convert(String name, Node value) {
        return switch (name) {
            case "config.hardware.device" -> Device.all(value);
            case "snapshot" -> snapshotCount(value.all("rootSnapshotList"));
            case "config.defaultPortConfig" -> vlan(value);
            default -> value.ref() != null ? value.ref() : text(value);
        };
    }

    private static String text(Node value) {
        return value.children().isEmpty() ? value.text() : null;
    }

    private static int snapshotCount(List<Node> trees) {
        int n = 0;
        for (Node tree : trees) {
            n += 1 + snapshotCount(tree.all("childSnapshotList"));
        }
        return n;
    }

    /** The VLAN of a distributed portgroup when it has a single one (VlanIdSpec, not 0). */
    private static String vlan(Node portConfig) {
        Node vlan = portConfig.child("vlan");
        if (vlan == null || !"VmwareDistributedVirtualSwitchVlanIdSpec".equals(vlan.type())) {
            return null;
        }
        String id = vlan.text("vlanId");
        return id == null || id.equals("0") ? null : id;
    }

    // ---- helpers the mapper uses -------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static List<Device> devices(Item vm) {
        Object value = vm.get("config.hardware.device");
        return value instanceof List<?> list ? (List<Device>) list : List.of();
    }

    static int snapshotCount(Item vm) {
        return vm.get("snapshot") instanceof Integer count ? count : 0;
    }

    static Boolean toolsRunning(Item vm) {
        String status = vm.string("guest.toolsRunningStatus");
        return status == null ? null : "guestToolsRunning".equals(status);
    }

    /** The inventory path of an object: "/DC0/vm/folder/name". Walks parents from what the pass holds. */
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
                networks.add(new Network(item.id(), item.string("name"), item.string("config.defaultPortConfig")));
            }
        }
        return networks;
    }

    static List<Storage> storage(Snapshot snapshot) {
        List<Storage> storage = new ArrayList<>();
        for (Item item : snapshot.byId().values()) {
            if (item.type().equals("Datastore")) {
                storage.add(new Storage(item.id(), item.string("name"), asLong(item.string("summary.capacity")),
                        asLong(item.string("summary.freeSpace"))));
            }
        }
        return storage;
    }

    static long asLong(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int asInt(String value, int otherwise) {
        long parsed = asLong(value);
        return parsed < 0 ? otherwise : (int) parsed;
    }
}
