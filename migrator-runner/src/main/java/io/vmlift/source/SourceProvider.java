package io.vmlift.source;

import io.vmlift.model.inventory.Inventory;
import io.vmlift.model.inventory.Vm;
import io.vmlift.plan.Concern;
import java.io.IOException;
import java.util.List;

/**
 * The seam every source provider implements (after Forklift's per-provider adapter): inventory, provider
 * concerns, power control, and disk readers. The engine talks to nothing else, so a new provider is a new package.
 */
public interface SourceProvider extends AutoCloseable {
    /** Everything at the source, in one pass. */
    Inventory inventory() throws IOException;

    /** Provider-specific concerns for one VM (shared disks, passthrough, snapshots, ...). */
    List<Concern> validate(Vm vm) throws IOException;

    /** Power state and power actions: the only changes vmlift ever makes at the source. */
    PowerControl power();

    /** A reader per disk of the VM, in the VM's disk order. */
    List<SourceDisk> disks(Vm vm) throws IOException;

    @Override
    void close() throws IOException;
}
