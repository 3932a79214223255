package io.vmlift.source;

import io.vmlift.VmliftException;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A Provider's spec.settings as an adapter accepts them: known keys only, flags only "true" or "false". */
public final class ProviderSettings {
    private ProviderSettings() {}

    /** Refuses a key the adapter does not know: a typo must not switch a check or a transfer off silently. */
    public static void requireKnown(Located<Provider> provider, Set<String> known) {
        Map<String, String> settings = provider.document().spec().settings();
        if (settings == null) {
            return;
        }
        for (String key : settings.keySet()) {
            if (!known.contains(key)) {
                throw VmliftException.badInput(provider.where("/spec/settings/" + key) + ": unknown setting '" + key
                        + "' for a" + (provider.document().type().startsWith("o") ? "n " : " ")
                        + provider.document().type() + " provider; known: " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    /** A flag setting: absent is false; anything but "true" or "false" is bad input. */
    public static boolean flag(Located<Provider> provider, String key) {
        String value = provider.document().setting(key);
        if (value != null && !value.equals("true") && !value.equals("false")) {
            throw VmliftException.badInput(provider.where("/spec/settings/" + key) + ": " + key + " is '" + value
                    + "'; use \"true\" or \"false\"");
        }
        return "true".equals(value);
    }
}
