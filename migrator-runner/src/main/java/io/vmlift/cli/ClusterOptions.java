package io.vmlift.cli;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine.Option;

/**
 * How to reach the destination cluster, as kubectl does: --kubeconfig (else $KUBECONFIG, else ~/.kube/config,
 * else the pod's service account) and --context (else the kubeconfig's current context).
 */
final class ClusterOptions {
    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The kubeconfig to use (default: $KUBECONFIG,"
            + " ~/.kube/config, or the service account when run in a pod).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context (default: the current one).")
    String context;

    /** A client for the kubeconfig's cluster, checked to answer: exit 4 with one line when it does not. */
    KubernetesClient connect() {
        return connect(null, Credentials.NONE);
    }

    /**
     * A client for a destination Provider: an empty url means the kubeconfig's cluster (Forklift's "host"
     * provider); a url is a remote cluster reached with the token of the Provider's Secret.
     */
    KubernetesClient connect(Located<Provider> provider, Credentials credentials) {
        Config config = provider == null || provider.document().url().isEmpty() ? kubeconfigConfig()
                : remoteConfig(provider, credentials);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            client.getKubernetesVersion();
            // /version is often open to anyone; an access review needs a valid login (401 when it expired).
            client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                    .withNewSpec().withNewResourceAttributes().withVerb("get").withResource("namespaces")
                    .endResourceAttributes().endSpec().build());
        } catch (KubernetesClientException e) {
            client.close();
            throw unreachable(config.getMasterUrl(), e);
        }
        return client;
    }

    private static Config remoteConfig(Located<Provider> provider, Credentials credentials) {
        String token = credentials.value("token");
        if (token == null || token.isEmpty()) {
            throw VmliftException.badInput(provider.where("/spec/secret") + ": " + provider.describe() + " names a"
                    + " remote cluster (" + provider.document().url() + "); its Secret needs a token");
        }
        ConfigBuilder builder = new ConfigBuilder(Config.empty()).withMasterUrl(provider.document().url())
                .withOauthToken(token).withTrustCerts(credentials.insecureSkipVerify());
        String ca = credentials.caCertificate();
        if (ca != null && !ca.isEmpty()) {
            builder.withCaCertData(Base64.getEncoder().encodeToString(ca.getBytes(StandardCharsets.UTF_8)));
        }
        return builder.build();
    }

    private Config kubeconfigConfig() {
        Config config;
        try {
            if (kubeconfig == null && System.getenv("KUBECONFIG") == null
                    && !Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"))
                    && !Files.exists(Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH))) {
                throw new VmliftException(ExitCode.UNREACHABLE, "no kubeconfig ($KUBECONFIG, ~/.kube/config) and"
                        + " not running in a pod; pass --kubeconfig FILE, or --output-dir DIR to write manifests");
            }
            if (kubeconfig != null) {
                if (!Files.isRegularFile(kubeconfig)) {
                    throw VmliftException.badInput("--kubeconfig " + kubeconfig + ": no such file");
                }
                config = Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
            } else {
                config = Config.autoConfigure(context);
            }
        } catch (IOException | KubernetesClientException | IllegalArgumentException e) {
            throw VmliftException.badInput("cannot use the kubeconfig" + (context == null ? "" : " context '"
                    + context + "'") + ": " + firstLine(e) + "; check --kubeconfig and --context");
        }
        if (context != null && config.getCurrentContext() != null
                && !context.equals(config.getCurrentContext().getName())) {
            throw VmliftException.badInput("the kubeconfig has no context '" + context + "'");
        }
        return config;
    }

    static VmliftException unreachable(String url, KubernetesClientException e) {
        String why = switch (e.getCode()) {
            case 401 -> "the credentials were refused (401: token expired or wrong); log in again";
            case 403 -> "access denied (403); ask for the permissions vmlift needs";
            default -> firstLine(e) + "; check that the cluster is up and the kubeconfig points at it";
        };
        return new VmliftException(ExitCode.UNREACHABLE, "cannot reach the cluster at " + url + ": " + why, e);
    }

    static String firstLine(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() != null && cause.getMessage().contains("Operation")) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
