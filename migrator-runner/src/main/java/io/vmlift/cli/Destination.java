package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.DiskFormat;
import io.vmlift.engine.FileStateStore;
import io.vmlift.engine.StateStore;
import io.vmlift.destination.MigrationTarget;
import io.vmlift.destination.kubevirt.CdiUpload;
import io.vmlift.destination.kubevirt.ClusterTarget;
import io.vmlift.destination.kubevirt.ConfigMapStateStore;
import io.vmlift.destination.manifests.ManifestsTarget;
import java.io.IOException;
import java.nio.file.Path;

/** Where a plan's VMs go and where its state record lives: a folder (--output-dir) or the cluster. */
final class Destination implements AutoCloseable {
    final StateStore store;
    private final MigrationTarget folderTarget; // null for a cluster
    private final KubernetesClient client; // null for a folder
    private final UploadProxyOptions proxy;

    private Destination(StateStore store, MigrationTarget folderTarget, KubernetesClient client,
            UploadProxyOptions proxy) {
        this.store = store;
        this.folderTarget = folderTarget;
        this.client = client;
        this.proxy = proxy;
    }

    static Destination folder(Path outputDir, DiskFormat format, String plan) {
        return new Destination(FileStateStore.forPlan(outputDir, plan), new ManifestsTarget(outputDir, format), null,
                null);
    }

    /** Connects, and adds the cluster's plan checks to the session's concerns. */
    static Destination cluster(ClusterOptions cluster, UploadProxyOptions proxy, PlanSession session) {
        KubernetesClient client = session.connectDestination(cluster);
        try {
            session.checkCluster(client);
            return new Destination(new ConfigMapStateStore(client, session.plan.targetNamespace(), session.plan.name()),
                    null, client, proxy);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The target, once the plan is known not to be blocked: for a cluster this finds the upload proxy and proves
     * it answers with a trusted certificate (exit 4 when not), before anything is made.
     *
     * @param uploads whether vmlift uploads any disk; when CDI copies them all itself, no proxy is needed
     */
    MigrationTarget target(boolean uploads) {
        return target(uploads, ClusterTarget.Options.RUNNER_IMAGE);
    }

    /** @param runnerImage the image a guest conversion pod runs */
    MigrationTarget target(boolean uploads, String runnerImage) {
        if (folderTarget != null) {
            return folderTarget;
        }
        ClusterTarget.Options options = ClusterTarget.Options.defaults().withRunnerImage(runnerImage);
        if (!uploads) {
            return new ClusterTarget(client, null, options);
        }
        CdiUpload upload = new CdiUpload(proxy.httpClient(), proxy.resolve(client));
        try {
            upload.checkReachable();
        } catch (IOException e) {
            throw new VmliftException(ExitCode.UNREACHABLE, e.getMessage(), e);
        }
        return new ClusterTarget(client, upload, options);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
