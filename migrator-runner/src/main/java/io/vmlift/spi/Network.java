package io.vmlift.spi;

/**
 * A source network (portgroup, logical network, OVF network). vlan is null when not known.
 *
 * @param forkliftId the id Forklift's inventory gives this network where it differs from vmlift's (OVA: a hash of
 *     the name), so that maps written for Forklift resolve; null otherwise
 */
public record Network(String id, String name, String vlan, String forkliftId) {
    public Network(String id, String name, String vlan) {
        this(id, name, vlan, null);
    }
}
