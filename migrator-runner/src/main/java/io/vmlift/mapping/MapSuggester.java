package io.vmlift.mapping;

import io.vmlift.model.NetworkMap;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.ObjectReference;
import io.vmlift.model.ProviderPair;
import io.vmlift.model.SourceRef;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.spi.TargetNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Suggests a NetworkMap and a StorageMap for the networks and storage the chosen VMs use. The most used
 * network goes to the pod network (a VM may have only one); every other network to a Multus
 * NetworkAttachmentDefinition of the same (normalized) name in the target namespace, for the user to review.
 */
public final class MapSuggester {
    public record Suggestion(NetworkMap networkMap, StorageMap storageMap) {}

    private MapSuggester() {}

    public static Suggestion suggest(Inventory inventory, List<Vm> vms, String name, String namespace,
            ProviderPair providers, String targetNamespace, String storageClass) {
        Map<String, Long> networkUse = vms.stream().flatMap(vm -> vm.nics().stream())
                .collect(Collectors.groupingBy(Nic::networkId, LinkedHashMap::new, Collectors.counting()));
        Map<String, Network> networks = inventory.networks().stream()
                .collect(Collectors.toMap(Network::id, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        List<String> byUse = new ArrayList<>(networkUse.keySet());
        byUse.sort(Comparator.comparing((String id) -> -networkUse.get(id)));
        List<NetworkMap.Pair> networkPairs = new ArrayList<>();
        for (String id : byUse) {
            Network network = networks.getOrDefault(id, new Network(id, id, null));
            NetworkMap.Destination destination = networkPairs.isEmpty()
                    ? new NetworkMap.Destination(NetworkMap.Destination.POD, null, null)
                    : new NetworkMap.Destination(NetworkMap.Destination.MULTUS, targetNamespace,
                            TargetNames.normalize(network.name()));
            // Where Forklift knows the network by another id, that id: the map then resolves in both tools.
            String sourceId = network.forkliftId() != null ? network.forkliftId() : network.id();
            networkPairs.add(new NetworkMap.Pair(new SourceRef(sourceId, network.name(), null, null,
                    network.vlan()), destination));
        }
        List<StorageMap.Pair> storagePairs = new ArrayList<>();
        List<String> diskStorages = forkliftDiskStorages(inventory, vms);
        for (String diskStorage : diskStorages) {
            storagePairs.add(new StorageMap.Pair(new SourceRef(null, diskStorage, null, null, null),
                    new StorageMap.Destination(storageClass, "Filesystem", "ReadWriteOnce"), null));
        }
        List<String> storageIds = diskStorages.isEmpty() ? vms.stream().flatMap(vm -> vm.disks().stream())
                .map(Disk::storageId).distinct().collect(Collectors.toList()) : List.of();
        for (String id : storageIds) {
            String storageName = inventory.storage().stream().filter(s -> s.id().equals(id)).map(Storage::name)
                    .findFirst().orElse(id);
            storagePairs.add(new StorageMap.Pair(new SourceRef(id, storageName, null, null, null),
                    new StorageMap.Destination(storageClass, "Filesystem", "ReadWriteOnce"), null));
        }
        NetworkMap networkMap = new NetworkMap("forklift.konveyor.io/v1beta1", NetworkMap.KIND,
                ObjectMeta.named(name + "-networks", namespace), new NetworkMap.Spec(providers, networkPairs), null);
        StorageMap storageMap = new StorageMap("forklift.konveyor.io/v1beta1", StorageMap.KIND,
                ObjectMeta.named(name + "-storage", namespace), new StorageMap.Spec(providers, storagePairs), null);
        return new Suggestion(networkMap, storageMap);
    }

    /**
     * Forklift's OVA inventory has a storage per disk file, found by the file's name. Where every chosen disk has
     * such a name and no other disk of the source shares it (Forklift refuses a name that finds two), the map
     * names those, so that it resolves in Forklift as in vmlift; otherwise none (the map names vmlift's storage).
     */
    private static List<String> forkliftDiskStorages(Inventory inventory, List<Vm> vms) {
        Map<String, Long> uses = inventory.vms().stream().flatMap(vm -> vm.disks().stream())
                .map(Disk::forkliftStorage).filter(java.util.Objects::nonNull)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        List<Disk> chosen = vms.stream().flatMap(vm -> vm.disks().stream()).toList();
        boolean named = !chosen.isEmpty() && chosen.stream()
                .allMatch(d -> d.forkliftStorage() != null && uses.get(d.forkliftStorage()) == 1);
        return named ? chosen.stream().map(Disk::forkliftStorage).distinct().toList() : List.of();
    }

    public static ProviderPair providers(String source, String destination, String namespace) {
        return new ProviderPair(ObjectReference.to(source, namespace), ObjectReference.to(destination, namespace));
    }
}
