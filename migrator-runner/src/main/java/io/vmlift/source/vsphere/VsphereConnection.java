package io.vmlift.source.vsphere;

import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.ws.CustomSSLTrustContextCreator;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.source.ProviderTrust;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A logged-in vSphere session, and an HTTP client that shares its TLS trust for datastore downloads. Login is
 * retried a bounded number of times while the host cannot be reached; a refused password or certificate is not
 * retried, since retrying cannot fix it and may lock the account.
 */
final class VsphereConnection implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MS = 20_000;
    static final int READ_TIMEOUT_MS = 10 * 60_000;
    private static final String CHACHA20 = "TLS_CHACHA20_POLY1305_SHA256";

    private final ServiceInstance instance;
    private final HttpClient http;
    private final URL url;
    private final ProviderTrust trust;

    private VsphereConnection(ServiceInstance instance, HttpClient http, URL url, ProviderTrust trust) {
        this.instance = instance;
        this.http = http;
        this.url = url;
        this.trust = trust;
    }

    /**
     * @param attempts how often an unreachable host is tried
     * @param backoff the wait after the first failed attempt; doubled each time
     */
    static VsphereConnection open(URL sdk, String user, String password, ProviderTrust trust, String secretName,
            int attempts, Duration backoff) {
        Throwable last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                ServiceInstance instance = login(sdk, user, password, trust);
                HttpClient http = HttpClient.newBuilder().sslContext(trust.sslContext())
                        .sslParameters(chachaFirst(trust.sslContext()))
                        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS))
                        .build();
                return new VsphereConnection(instance, http, sdk, trust);
            } catch (Exception e) { // yavijava throws RemoteException and wraps everything else in it
                if (find(e, InvalidLogin.class) != null) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "login failed for " + user + " at " + sdk
                            + "; check user and password in Secret " + secretName, e);
                }
                if (find(e, SSLException.class) != null) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "TLS check failed for " + sdk + ": "
                            + trust.refusalAdvice() + " (Secret " + secretName + ")", e);
                }
                if (!unreachable(e)) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "cannot log in at " + sdk + ": "
                            + rootMessage(e) + "; is it a vCenter or ESXi SDK url (https://HOST/sdk)?", e);
                }
                last = e;
                if (attempt < attempts) {
                    sleep(backoff.multipliedBy(1L << (attempt - 1)));
                }
            }
        }
        throw new VmliftException(ExitCode.UNREACHABLE, "cannot reach " + sdk + " after " + attempts + " attempts: "
                + rootMessage(last) + "; check the url, DNS and that port " + port(sdk) + " is open from here", last);
    }

    /**
     * yavijava keeps the first TrustManager it was given for the whole JVM (a static in
     * CustomSSLTrustContextCreator), so a second provider would be checked against the first one's trust. Clearing
     * that flag under a lock gives each login its own; the client keeps the context it was built with.
     */
    private static ServiceInstance login(URL sdk, String user, String password, ProviderTrust trust)
            throws java.rmi.RemoteException, java.net.MalformedURLException {
        synchronized (CustomSSLTrustContextCreator.class) {
            CustomSSLTrustContextCreator.setContextAlreadyCreated(false);
            return new ServiceInstance(sdk, user, password, trust.trustManager(), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
        }
    }

    /**
     * The JDK's cipher suites with ChaCha20-Poly1305 first. Inventory answers run to tens of MB, and in a JVM that
     * has just started, the JDK decrypts ChaCha20 faster than AES-GCM (whose fast path needs the JIT to warm
     * up); a server that prefers its own order, or lacks ChaCha20, still picks as before.
     */
    private static SSLParameters chachaFirst(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        List<String> suites = new ArrayList<>(List.of(parameters.getCipherSuites()));
        if (suites.remove(CHACHA20)) {
            suites.add(0, CHACHA20);
        }
        parameters.setCipherSuites(suites.toArray(String[]::new));
        return parameters;
    }

    ServiceInstance instance() {
        return instance;
    }

    HttpClient http() {
        return http;
    }

    URL url() {
        return url;
    }

    /** The SHA-1 thumbprint of the certificate the server showed at login (AA:BB:...). */
    String seenThumbprint() {
        return trust.seenThumbprint();
    }

    /** The session cookie, for datastore downloads; a secret: never log it. */
    String sessionCookie() {
        return instance.getServerConnection().getSessionStr();
    }

    private static boolean unreachable(Throwable e) {
        return find(e, ConnectException.class) != null || find(e, UnknownHostException.class) != null
                || find(e, NoRouteToHostException.class) != null || find(e, SocketTimeoutException.class) != null;
    }

    static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable at = e; at != null; at = at.getCause() == at ? null : at.getCause()) {
            if (type.isInstance(at)) {
                return type.cast(at);
            }
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static int port(URL url) {
        return url.getPort() > 0 ? url.getPort() : url.getDefaultPort();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmliftException(ExitCode.UNREACHABLE, "interrupted while waiting to retry the login");
        }
    }

    @Override
    public void close() {
        try {
            instance.getServerConnection().logout();
        } catch (RuntimeException e) {
            // the session times out on the server anyway
        }
    }
}
