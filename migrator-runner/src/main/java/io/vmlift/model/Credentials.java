package io.vmlift.model;

import java.util.function.Function;

/**
 * Provider credentials with Forklift's secret keys. Values are looked up on demand and never printed:
 * toString hides them, so they cannot slip into logs or reports.
 */
public final class Credentials {
    public static final Credentials NONE = new Credentials(key -> null);

    private final Function<String, String> lookup;

    private Credentials(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** Keys whose values are secret: each value read is registered, so that nothing vmlift prints shows it. */
    private static final java.util.Set<String> SECRET_KEYS = java.util.Set.of("password", "token", "secretKey");

    public static Credentials of(Function<String, String> lookup) {
        return new Credentials(key -> {
            String value = lookup.apply(key);
            if (SECRET_KEYS.contains(key)) {
                io.vmlift.Printable.registerSecret(value);
            }
            return value;
        });
    }

    public String user() {
        return lookup.apply("user");
    }

    public String password() {
        return lookup.apply("password");
    }

    public boolean insecureSkipVerify() {
        return Boolean.parseBoolean(lookup.apply("insecureSkipVerify"));
    }

    /** The CA bundle: Forklift's oVirt key is cacert, its vSphere key ca.crt. */
    public String caCertificate() {
        String cacert = lookup.apply("cacert");
        return cacert != null ? cacert : lookup.apply("ca.crt");
    }

    public String thumbprint() {
        return lookup.apply("thumbprint");
    }

    public String value(String key) {
        return lookup.apply(key);
    }

    @Override
    public String toString() {
        return "Credentials[hidden]";
    }
}
