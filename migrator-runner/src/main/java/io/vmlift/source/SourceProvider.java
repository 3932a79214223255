package io.vmlift.source;

import io.vmlift.spi.ChangeTracking;
import io.vmlift.spi.PowerControl;
import io.vmlift.spi.Snapshots;
import java.util.Optional;

import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.DiskSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;

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

    /** Snapshots for warm migration, where the source has them (else only cold migration). */
    default Optional<Snapshots> snapshots() {
        return Optional.empty();
    }

    /** Changed block tracking, for a warm migration vmlift copies itself, where the source has it. */
    default Optional<ChangeTracking> changeTracking() {
        return Optional.empty();
    }

    /**
     * How a disk's bytes reach the target: by default vmlift reads them ({@link #disks}) and uploads them; a
     * provider may instead name a source CDI reads itself, inside the cluster (Forklift's VDDK and imageio).
     */
    default DiskSource transfer(Vm vm, Disk disk, String planName) {
        return new DiskSource.Upload();
    }

    /**
     * The data of the Secret that such in-cluster transfers name in their secretRef (in CDI's keys); empty when
     * vmlift moves the bytes itself. A secret: never logged, never written to files.
     */
    default Map<String, String> transferSecretData() {
        return Map.of();
    }

    /** The CA (PEM) of the source, for the ConfigMap such transfers name in certConfigMap; null when none is needed. */
    default String transferCertificate() {
        return null;
    }

    @Override
    void close() throws IOException;
}
