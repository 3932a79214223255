package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The controller a disk hangs off at the source, which decides what drivers its guest already has. */
public enum DiskBus {
    IDE, SATA, SCSI, NVME, VIRTIO;

    @JsonValue
    @Override
    public String toString() {
        return LowercaseNames.of(this);
    }

    @JsonCreator
    public static DiskBus of(String text) {
        return LowercaseNames.parse(values(), text);
    }
}
