package io.vmlift.source;

import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Whom a source provider's TLS connections trust, from Forklift's Secret keys, for this connection only (never
 * JVM-wide): the certificate whose SHA-1 thumbprint the Secret pins, else the CA bundle it holds (hostname
 * checked), else the JVM's CAs. insecureSkipVerify trusts anything, and only when the Secret says so.
 * It remembers the thumbprint the server showed, so a refusal can say what was seen.
 */
public final class ProviderTrust {
    /** How the server's certificate is checked; for messages. */
    public enum Mode { THUMBPRINT, CA, SYSTEM, INSECURE }

    private final Mode mode;
    private final X509ExtendedTrustManager trustManager;
    private final AtomicReference<String> seenThumbprint = new AtomicReference<>();

    private ProviderTrust(Mode mode, X509ExtendedTrustManager delegate, String pinned) {
        this.mode = mode;
        this.trustManager = new Recording(delegate, pinned);
    }

    /** @param where names the Secret for messages about a malformed CA bundle or thumbprint */
    public static ProviderTrust from(Credentials credentials, String where) {
        try {
            if (credentials.insecureSkipVerify()) {
                return new ProviderTrust(Mode.INSECURE, null, null);
            }
            String thumbprint = credentials.thumbprint();
            if (thumbprint != null && !thumbprint.isBlank()) {
                return new ProviderTrust(Mode.THUMBPRINT, null, normalizeThumbprint(thumbprint, where));
            }
            String ca = credentials.caCertificate();
            if (ca != null && !ca.isBlank()) {
                return new ProviderTrust(Mode.CA, trusting(ca, where), null);
            }
            return new ProviderTrust(Mode.SYSTEM, systemTrust(), null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM has no usable TLS trust manager", e);
        }
    }

    public Mode mode() {
        return mode;
    }

    public TrustManager trustManager() {
        return trustManager;
    }

    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM", e);
        }
    }

    /** The SHA-1 thumbprint of the last certificate a server showed (AA:BB:...), or null before any handshake. */
    public String seenThumbprint() {
        return seenThumbprint.get();
    }

    /** Upper-case, colon-separated SHA-1, as vSphere and Forklift show thumbprints. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 is not available in this JVM", e);
        }
    }

    /** What to tell a user whose connection failed the TLS check. */
    public String refusalAdvice() {
        String seen = seenThumbprint();
        String shown = seen == null ? "" : "the server's certificate has thumbprint " + seen + "; ";
        return switch (mode) {
            case THUMBPRINT -> shown + "it does not match the Secret's thumbprint. Check that the url names the"
                    + " right server; if its certificate was renewed, put the new thumbprint in the Secret";
            case CA -> shown + "it is not signed by the Secret's CA for this host name. Put the right CA in the"
                    + " Secret (ca.crt or cacert), or its thumbprint in 'thumbprint'";
            case SYSTEM -> shown + "no CA this machine trusts signed it. Put the server's CA in the Secret"
                    + " (ca.crt or cacert), or pin it with 'thumbprint'";
            case INSECURE -> shown + "the TLS handshake failed even without verification";
        };
    }

    static String normalizeThumbprint(String text, String where) {
        String hex = text.replace(":", "").replace(" ", "").trim().toUpperCase(Locale.ROOT);
        if (!hex.matches("[0-9A-F]{40}")) {
            throw VmliftException.badInput(where + ": 'thumbprint' is not a SHA-1 thumbprint (40 hex digits,"
                    + " colons allowed); read it with: openssl x509 -noout -fingerprint -sha1");
        }
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }

    private static X509ExtendedTrustManager trusting(String pem, String where) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
            int n = 0;
            for (var certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new CertificateException("no certificate in it");
            }
        } catch (CertificateException e) {
            throw VmliftException.badInput(where + ": the CA bundle (ca.crt or cacert) is not PEM certificates ("
                    + e.getMessage() + "); paste the PEM text of the CA, BEGIN and END lines included");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return firstX509(store);
    }

    private static X509ExtendedTrustManager systemTrust() throws GeneralSecurityException {
        return firstX509(null);
    }

    private static X509ExtendedTrustManager firstX509(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /**
     * Records the server's thumbprint, then pins it or delegates. An X509ExtendedTrustManager, so the JDK does not
     * add its own host name check around it: pinning a thumbprint already names the one certificate to accept.
     */
    private final class Recording extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final String pinned;

        Recording(X509ExtendedTrustManager delegate, String pinned) {
            this.delegate = delegate;
            this.pinned = pinned;
        }

        private void check(X509Certificate[] chain, String authType, Socket socket, SSLEngine engine)
                throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server sent no certificate");
            }
            String seen = thumbprint(chain[0]);
            seenThumbprint.set(seen);
            if (mode == Mode.INSECURE) {
                return;
            }
            if (pinned != null) {
                if (!pinned.equals(seen)) {
                    throw new CertificateException("certificate thumbprint " + seen + " is not the pinned " + pinned);
                }
                return;
            }
            if (socket != null) {
                delegate.checkServerTrusted(chain, authType, socket);
            } else if (engine != null) {
                delegate.checkServerTrusted(chain, authType, engine);
            } else {
                delegate.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, authType, socket, null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, authType, null, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, authType, null, null);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("vmlift does not accept client connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("vmlift does not accept client connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("vmlift does not accept client connections");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate == null ? new X509Certificate[0] : delegate.getAcceptedIssuers();
        }
    }
}
