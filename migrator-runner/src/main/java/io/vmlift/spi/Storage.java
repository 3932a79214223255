package io.vmlift.spi;

import java.util.List;

/**
 * A source storage (datastore, storage domain, the OVA package itself).
 *
 * @param forkliftNames other names Forklift's inventory gives this storage, so that maps written for Forklift
 *     resolve; null when none
 */
public record Storage(String id, String name, long capacityBytes, long freeBytes, List<String> forkliftNames) {
    public Storage(String id, String name, long capacityBytes, long freeBytes) {
        this(id, name, capacityBytes, freeBytes, null);
    }

    /** Whether a map's source names this storage, by vmlift's id or name, or by a name Forklift gives it. */
    public boolean namedBy(io.vmlift.model.SourceRef ref) {
        return ref.matches(id, name) || (forkliftNames != null && forkliftNames.stream().anyMatch(ref::namesOnly));
    }
}
