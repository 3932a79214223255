package io.vmlift.model.inventory;

import java.util.List;
import java.util.Optional;

/** What exists at a source provider, collected in one pass. Written as inventory.json by connect/inventory. */
public record Inventory(ProviderInfo provider, List<Vm> vms, List<Network> networks, List<Storage> storage) {

    public record ProviderInfo(String name, String type, String url) {}

    public Optional<Network> network(String id) {
        return networks.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    public Optional<Storage> storage(String id) {
        return storage.stream().filter(s -> s.id().equals(id)).findFirst();
    }
}
