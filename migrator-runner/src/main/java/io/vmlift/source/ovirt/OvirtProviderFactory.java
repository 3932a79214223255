package io.vmlift.source.ovirt;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import io.vmlift.spi.Inventory;
import io.vmlift.source.ProviderSettings;
import io.vmlift.source.ProviderTrust;
import io.vmlift.source.SourceFailures;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviderFactory;
import io.vmlift.source.SourceProviders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.ovirt.engine.sdk4.Connection;
import org.ovirt.engine.sdk4.ConnectionBuilder;

/**
 * Type ovirt: an oVirt/RHV engine, url https://ENGINE/ovirt-engine/api, Secret with user, password, and cacert
 * (the engine's CA, PEM) or insecureSkipVerify, as Forklift has them. The engine's own Java SDK logs in through
 * its SSO and reads the API.
 */
public final class OvirtProviderFactory implements SourceProviderFactory {
    /**
     * vmlift's own setting: "true" gives DataVolumes with source.imageio, so that CDI copies each disk inside the
     * cluster through the engine's imageio, as Forklift does; else vmlift downloads them.
     */
    static final String CDI_IMAGEIO = "cdiImageio";
    static final int LOGIN_ATTEMPTS = 3;
    static final Duration LOGIN_BACKOFF = Duration.ofSeconds(1);

    @Override
    public String type() {
        return "ovirt";
    }

    @Override
    public SourceProvider connect(Located<Provider> provider, Credentials credentials) {
        String url = apiUrl(provider);
        boolean cdiImageio = cdiImageio(provider);
        String secret = provider.document().secretName();
        SourceProviders.requireLogin(provider, credentials, "admin@internal");
        String user = credentials.user();
        String password = credentials.password();
        Path trustStore = null;
        try {
            ConnectionBuilder builder = ConnectionBuilder.connection().url(url).user(user).password(password)
                    .timeout((int) Duration.ofMinutes(10).toMillis());
            if (credentials.insecureSkipVerify()) {
                builder.insecure(true);
            } else if (credentials.caCertificate() != null && !credentials.caCertificate().isBlank()) {
                String storePassword = UUID.randomUUID().toString();
                trustStore = trustStore(credentials.caCertificate(), storePassword,
                        provider.where("/spec/secret") + " (Secret " + secret + ")");
                builder.trustStoreFile(trustStore.toString()).trustStorePassword(storePassword);
            }
            Connection connection = login(builder, url, user, secret);
            return new OvirtProvider(new Inventory.ProviderInfo(provider.document().name(), type(),
                    provider.document().url()), connection,
                    ProviderTrust.from(credentials, provider.where("/spec/secret") + " (Secret " + secret + ")"),
                    cdiImageio ? new OvirtProvider.CdiImageio(url, credentials) : null);
        } finally {
            if (trustStore != null) {
                try {
                    Files.deleteIfExists(trustStore);
                } catch (IOException e) {
                    trustStore.toFile().deleteOnExit();
                }
            }
        }
    }

    /** Builds the connection and logs in through the engine's SSO; an unreachable engine is tried again. */
    private static Connection login(ConnectionBuilder builder, String url, String user, String secret) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= LOGIN_ATTEMPTS; attempt++) {
            Connection connection = null;
            try {
                connection = builder.build();
                connection.authenticate();
                return connection;
            } catch (RuntimeException e) { // org.ovirt.engine.sdk4.Error and what it wraps
                closeQuietly(connection);
                String message = String.valueOf(e.getMessage());
                if (message.contains("access_denied") || message.contains("Cannot authenticate")
                        || message.contains("incorrect")) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "login failed for " + user + " at " + url
                            + "; check user and password in Secret " + secret, e);
                }
                if (SourceFailures.find(e, SSLException.class) != null) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "TLS check failed for " + url + ": "
                            + SourceFailures.rootMessage(e) + "; put the engine's CA (https://ENGINE/ovirt-engine/services/pki-resource"
                            + "?resource=ca-certificate&format=X509-PEM-CA) in Secret " + secret + " as cacert", e);
                }
                if (SourceFailures.find(e, ConnectException.class) == null && SourceFailures.find(e, UnknownHostException.class) == null) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "cannot log in at " + url + ": " + SourceFailures.rootMessage(e)
                            + "; is it an oVirt API url (https://ENGINE/ovirt-engine/api)?", e);
                }
                last = e;
                if (attempt < LOGIN_ATTEMPTS) {
                    try {
                        Thread.sleep(LOGIN_BACKOFF.multipliedBy(1L << (attempt - 1)).toMillis());
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
        }
        throw new VmliftException(ExitCode.UNREACHABLE, "cannot reach " + url + " after " + LOGIN_ATTEMPTS
                + " attempts: " + SourceFailures.rootMessage(last) + "; check the url, DNS and the port from here", last);
    }

    private static boolean cdiImageio(Located<Provider> provider) {
        ProviderSettings.requireKnown(provider, java.util.Set.of(CDI_IMAGEIO));
        return ProviderSettings.flag(provider, CDI_IMAGEIO);
    }

    /** https://ENGINE/ovirt-engine/api; a bare https://ENGINE gets the path, as Forklift's UI does. */
    static String apiUrl(Located<Provider> provider) {
        String url = provider.document().url();
        try {
            URI uri = new URI(url);
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(url, "not an https URL with a host");
            }
            String path = uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")
                    ? "/ovirt-engine/api" : uri.getPath().replaceAll("/+$", "");
            return new URI("https", null, uri.getHost(), uri.getPort(), path, null, null).toString();
        } catch (URISyntaxException e) {
            throw VmliftException.badInput(provider.where("/spec/url") + ": '" + url + "' is not an oVirt API url;"
                    + " write https://ENGINE/ovirt-engine/api");
        }
    }

    /** The SDK reads trust from a key store file: one made from the Secret's PEM, deleted after login. */
    private static Path trustStore(String pem, String password, String where) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new java.security.cert.CertificateException("no certificate in it");
            }
            Path file = Files.createTempFile("vmlift-ovirt-ca", ".p12");
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (java.security.cert.CertificateException e) {
            throw VmliftException.badInput(where + ": cacert is not PEM certificates (" + e.getMessage()
                    + "); paste the engine CA's PEM text");
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot write a trust store for the engine's CA", e);
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (Exception e) {
                // nothing was opened that matters
            }
        }
    }
}
