package io.vmlift.source.vsphere;

import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.ws.CustomSSLTrustContextCreator;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.source.ProviderTrust;
import io.vmlift.source.SourceFailures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
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
 * A logged-in vSphere session: vmlift's own SOAP client for login and inventory, an HTTP client sharing its TLS
 * trust for datastore downloads, and yavijava, joined to the same session only when a task (power, snapshot)
 * needs it. Login is retried a bounded number of times while the host cannot be reached; a refused password or
 * certificate is not retried, since retrying cannot fix it and may lock the account.
 */
final class VsphereConnection implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MS = 20_000;
    static final int READ_TIMEOUT_MS = 10 * 60_000;
    private static final String CHACHA20 = "TLS_CHACHA20_POLY1305_SHA256";

    private final VimClient vim;
    private final VimClient.ServiceContent content;
    private final String cookie;
    private final HttpClient http;
    private final URL url;
    private final ProviderTrust trust;
    private ServiceInstance instance;

    private VsphereConnection(VimClient vim, VimClient.ServiceContent content, String cookie, HttpClient http, URL url,
            ProviderTrust trust) {
        this.vim = vim;
        this.content = content;
        this.cookie = cookie;
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
        HttpClient http = HttpClient.newBuilder().sslContext(trust.sslContext())
                .sslParameters(chachaFirst(trust.sslContext()))
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS))
                .build();
        VimClient vim = new VimClient(http, URI.create(sdk.toString()));
        Throwable last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                VimClient.ServiceContent content = vim.serviceContent();
                String cookie = vim.login(content, user, password);
                return new VsphereConnection(vim, content, cookie, http, sdk, trust);
            } catch (VimClient.VimFault e) {
                if ("InvalidLogin".equals(e.type())) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "login failed for " + user + " at " + sdk
                            + "; check user and password in Secret " + secretName, e);
                }
                throw new VmliftException(ExitCode.UNREACHABLE, "cannot log in at " + sdk + ": " + e.getMessage(), e);
            } catch (IOException e) {
                if (SourceFailures.find(e, SSLException.class) != null) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "TLS check failed for " + sdk + ": "
                            + trust.refusalAdvice() + " (Secret " + secretName + ")", e);
                }
                if (!unreachable(e)) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "cannot log in at " + sdk + ": "
                            + SourceFailures.rootMessage(e) + "; is it a vCenter or ESXi SDK url (https://HOST/sdk)?", e);
                }
                last = e;
                if (attempt < attempts) {
                    sleep(backoff.multipliedBy(1L << (attempt - 1)));
                }
            }
        }
        throw new VmliftException(ExitCode.UNREACHABLE, "cannot reach " + sdk + " after " + attempts + " attempts: "
                + SourceFailures.rootMessage(last) + "; check the url, DNS and that port " + port(sdk) + " is open from here", last);
    }

    /**
     * yavijava on this session, made on first use. yavijava keeps the first TrustManager it was given for the
     * whole JVM (a static in CustomSSLTrustContextCreator), so a second provider would be checked against the
     * first one's trust; clearing that flag under a lock gives each its own, and the client keeps the context it
     * was built with.
     */
    synchronized ServiceInstance instance() {
        if (instance == null) {
            synchronized (CustomSSLTrustContextCreator.class) {
                CustomSSLTrustContextCreator.setContextAlreadyCreated(false);
                try {
                    instance = new ServiceInstance(url, cookie, trust.trustManager(), CONNECT_TIMEOUT_MS,
                            READ_TIMEOUT_MS);
                } catch (java.rmi.RemoteException | java.net.MalformedURLException e) {
                    throw new VmliftException(ExitCode.UNREACHABLE, "cannot resume the vSphere session at " + url
                            + ": " + SourceFailures.rootMessage(e), e);
                }
            }
        }
        return instance;
    }

    VimClient vim() {
        return vim;
    }

    VimClient.ServiceContent content() {
        return content;
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
        return cookie;
    }

    private static boolean unreachable(Throwable e) {
        return SourceFailures.find(e, ConnectException.class) != null || SourceFailures.find(e, UnknownHostException.class) != null
                || SourceFailures.find(e, NoRouteToHostException.class) != null || SourceFailures.find(e, SocketTimeoutException.class) != null;
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
    public synchronized void close() {
        try {
            if (instance != null) {
                instance.getServerConnection().logout();
            } else {
                vim.logout(content, cookie);
            }
        } catch (IOException | RuntimeException e) {
            // the session times out on the server anyway
        }
    }
}
