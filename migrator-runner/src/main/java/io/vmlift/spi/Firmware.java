package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a VM boots: legacy BIOS (SeaBIOS on KubeVirt) or UEFI (OVMF). */
public enum Firmware {
    BIOS, EFI;

    /** The lowercase name documents and records use. */
    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads the lowercase name; anything else is refused, naming what is accepted. */
    @JsonCreator
    public static Firmware of(String text) {
        for (Firmware value : values()) {
            if (value.toString().equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of " + java.util.Arrays.toString(values()));
    }
}
