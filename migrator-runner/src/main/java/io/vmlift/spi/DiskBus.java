package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The controller a disk hangs off at the source, which decides what drivers its guest already has. */
public enum DiskBus {
    IDE, SATA, SCSI, NVME, VIRTIO;

    /** The lowercase name documents and records use. */
    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads the lowercase name; anything else is refused, naming what is accepted. */
    @JsonCreator
    public static DiskBus of(String text) {
        for (DiskBus value : values()) {
            if (value.toString().equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of " + java.util.Arrays.toString(values()));
    }
}
