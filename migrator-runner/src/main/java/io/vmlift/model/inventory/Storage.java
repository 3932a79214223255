package io.vmlift.model.inventory;

/** A source storage (datastore, storage domain, the OVA package itself). */
public record Storage(String id, String name, long capacityBytes, long freeBytes) {}
