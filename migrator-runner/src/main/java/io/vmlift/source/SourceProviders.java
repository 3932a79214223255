package io.vmlift.source;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import java.io.IOException;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds the adapter for a Provider document's type. */
public final class SourceProviders {
    private SourceProviders() {}

    /**
     * A login source needs a user and a password: bad input naming the Secret (and the variables that may stand in
     * for it) when either is missing.
     */
    public static void requireLogin(Located<Provider> provider, Credentials credentials, String userExample) {
        String user = credentials.user();
        String password = credentials.password();
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw VmliftException.badInput(provider.where("/spec/secret") + ": " + provider.describe()
                    + " needs 'user' (e.g. " + userExample + ") and 'password' in Secret "
                    + provider.document().secretName() + " (or VMLIFT_<SECRET>_USER and VMLIFT_<SECRET>_PASSWORD in"
                    + " the environment)");
        }
    }

    /** A source that logged in but could not be read: exit 4, one line, the same for every provider. */
    public static VmliftException unreadable(String url, Throwable cause, String rootMessage, String advice) {
        return new VmliftException(ExitCode.UNREACHABLE, "reading the inventory of " + url + " failed: " + rootMessage
                + "; " + advice, cause);
    }

    public static SourceProvider connect(Located<Provider> provider, Credentials credentials) {
        String type = provider.document().type();
        TreeSet<String> available = new TreeSet<>();
        for (SourceProviderFactory factory : ServiceLoader.load(SourceProviderFactory.class)) {
            available.add(factory.type());
            if (factory.type().equals(type)) {
                try {
                    return factory.connect(provider, credentials);
                } catch (IOException e) {
                    throw new VmliftException(ExitCode.UNREACHABLE, provider.where() + ": cannot reach "
                            + provider.describe() + " at " + provider.document().url() + ": " + e.getMessage(), e);
                }
            }
        }
        throw VmliftException.badInput(provider.where("/spec/type") + ": provider type '" + type
                + "' is not available in this build of vmlift (available: " + String.join(", ", available) + ")");
    }
}
