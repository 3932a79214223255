package io.vmlift.cli;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.VmliftException;
import io.vmlift.destination.kubevirt.ClusterKinds;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** Where CDI's upload proxy is and which CA signed its certificate (TLS is always verified). */
final class UploadProxyOptions {
    @Option(names = "--upload-proxy-url", paramLabel = "URL", description = "CDI's upload proxy (default: the"
            + " uploadProxyURL in the cluster's CDIConfig).")
    URI url;

    @Option(names = "--upload-proxy-ca", paramLabel = "FILE", description = "PEM file with the CA of the upload"
            + " proxy's certificate (default: the JVM's trusted CAs).")
    Path caFile;

    /** The proxy's address: the option, else what CDI publishes in its CDIConfig. */
    URI resolve(KubernetesClient client) {
        if (url != null) {
            return url;
        }
        GenericKubernetesResource config = ClusterKinds.served(client, ClusterKinds.CDI_CONFIG)
                ? client.genericKubernetesResources(ClusterKinds.CDI_CONFIG).withName("config").get()
                : null;
        Object status = config == null ? null : config.getAdditionalProperties().get("status");
        Object published = status instanceof Map<?, ?> map ? map.get("uploadProxyURL") : null;
        if (!(published instanceof String text) || text.isEmpty()) {
            throw VmliftException.badInput("the cluster's CDIConfig publishes no uploadProxyURL; pass"
                    + " --upload-proxy-url (e.g. the route or ingress of service cdi-uploadproxy)");
        }
        return URI.create(text.contains("://") ? text : "https://" + text);
    }

    HttpClient httpClient() {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30));
        if (caFile != null) {
            builder.sslContext(trusting(caFile));
        }
        return builder.build();
    }

    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
            if (index == 0) {
                throw VmliftException.badInput("--upload-proxy-ca " + pem + " holds no PEM certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw VmliftException.badInput("--upload-proxy-ca " + pem + ": " + e.getMessage() + "; give a PEM file");
        }
    }
}
