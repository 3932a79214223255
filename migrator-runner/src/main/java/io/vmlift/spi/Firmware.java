package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a VM boots: legacy BIOS (SeaBIOS on KubeVirt) or UEFI (OVMF). */
public enum Firmware {
    BIOS, EFI;

    @JsonValue
    @Override
    public String toString() {
        return LowercaseNames.of(this);
    }

    @JsonCreator
    public static Firmware of(String text) {
        return LowercaseNames.parse(values(), text);
    }
}
