package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.disk.DiskFormat;
import io.vmlift.engine.FileStateStore;
import io.vmlift.engine.StateStore;
import io.vmlift.target.MigrationTarget;
import io.vmlift.target.kubevirt.CdiUpload;
import io.vmlift.target.kubevirt.ClusterTarget;
import io.vmlift.target.kubevirt.ConfigMapStateStore;
import io.vmlift.target.manifests.ManifestsTarget;
import java.nio.file.Path;

/** Where a plan's VMs go and where its state record lives: a folder (--output-dir) or the cluster. */
final class Destination implements AutoCloseable {
    final MigrationTarget target;
    final StateStore store;
    final KubernetesClient client; // null for a folder

    private Destination(MigrationTarget target, StateStore store, KubernetesClient client) {
        this.target = target;
        this.store = store;
        this.client = client;
    }

    static Destination folder(Path outputDir, DiskFormat format, String plan) {
        return new Destination(new ManifestsTarget(outputDir, format), FileStateStore.forPlan(outputDir, plan), null);
    }

    /** Connects, and adds the cluster's plan checks to the session's concerns. */
    static Destination cluster(ClusterOptions cluster, UploadProxyOptions proxy, PlanSession session) {
        KubernetesClient client = session.connectDestination(cluster);
        try {
            session.checkCluster(client);
            ClusterTarget target = new ClusterTarget(client, new CdiUpload(proxy.httpClient(), proxy.resolve(client)),
                    ClusterTarget.Options.defaults());
            return new Destination(target, new ConfigMapStateStore(client, session.plan.targetNamespace(),
                    session.plan.name()), client);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
