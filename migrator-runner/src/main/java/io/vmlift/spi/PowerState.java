package io.vmlift.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A VM's power state at the source, as inventory.json and the state record write it (lowercase). */
public enum PowerState {
    ON, OFF, SUSPENDED, UNKNOWN;

    /** The lowercase name documents and records use. */
    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads the lowercase name; anything else is refused, naming what is accepted. */
    @JsonCreator
    public static PowerState of(String text) {
        for (PowerState value : values()) {
            if (value.toString().equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of " + java.util.Arrays.toString(values()));
    }
}
