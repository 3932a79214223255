package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A VM's power state at the source, as inventory.json and the state record write it (lowercase). */
public enum PowerState {
    ON, OFF, SUSPENDED, UNKNOWN;

    @JsonValue
    @Override
    public String toString() {
        return LowercaseNames.of(this);
    }

    @JsonCreator
    public static PowerState of(String text) {
        return LowercaseNames.parse(values(), text);
    }
}
