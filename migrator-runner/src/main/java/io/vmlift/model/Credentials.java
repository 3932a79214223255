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

    public static Credentials of(Function<String, String> lookup) {
        return new Credentials(lookup);
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
