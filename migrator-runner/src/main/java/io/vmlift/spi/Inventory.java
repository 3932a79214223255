package io.vmlift.spi;

import java.util.List;
import java.util.Optional;

/** What exists at a source provider, collected in one pass. Written as inventory.json by connect/inventory. */
public record Inventory(ProviderInfo provider, List<Vm> vms, List<Network> networks, List<Storage> storage,
        List<String> warnings) {

    /** @param warnings what the source holds that vmlift passed over (a package it cannot read), or null */
    public Inventory(ProviderInfo provider, List<Vm> vms, List<Network> networks, List<Storage> storage) {
        this(provider, vms, networks, storage, null);
    }

    public List<String> warningsOrNone() {
        return warnings == null ? List.of() : warnings;
    }

    public record ProviderInfo(String name, String type, String url) {}

    public Optional<Network> network(String id) {
        return networks.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    public Optional<Storage> storage(String id) {
        return storage.stream().filter(s -> s.id().equals(id)).findFirst();
    }
}
