package io.vmlift.model.inventory;

/** A source network (portgroup, logical network, OVF network). vlan is null when not known. */
public record Network(String id, String name, String vlan) {}
