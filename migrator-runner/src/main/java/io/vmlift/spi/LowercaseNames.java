package io.vmlift.spi;

import java.util.Arrays;
import java.util.Locale;

/** The spi enums as documents and records write them: their names in lowercase. */
final class LowercaseNames {
    private LowercaseNames() {}

    static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The value whose lowercase name is text; anything else is refused, naming what is accepted. */
    static <E extends Enum<E>> E parse(E[] values, String text) {
        for (E value : values) {
            if (of(value).equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of "
                + Arrays.stream(values).map(LowercaseNames::of).toList());
    }
}
