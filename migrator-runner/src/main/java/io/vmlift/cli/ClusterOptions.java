package io.vmlift.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** A client for the cluster, checked to answer: exit 4 with one line when it does not. */
    KubernetesClient connect() {
        Config config;
        try {
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
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            client.getKubernetesVersion();
        } catch (KubernetesClientException e) {
            client.close();
            throw unreachable(config.getMasterUrl(), e);
        }
        return client;
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
