package io.vmlift.spi;

import io.vmlift.spi.Vm;
import java.io.IOException;

/**
 * Snapshots of a running source VM, for warm migration: each one freezes the disks at a point, so that the
 * bytes up to it can be copied while the VM keeps running. vmlift removes every snapshot it made.
 */
public interface Snapshots {
    /** Takes a snapshot (no memory, not quiesced) and returns the source's id for it. */
    String create(Vm vm, String name) throws IOException;

    /** Removes one of vmlift's snapshots, merging its changes into the disks; a missing one is fine. */
    void remove(Vm vm, String id) throws IOException;
}
