package io.vmlift.target.kubevirt;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.StateStore;
import io.vmlift.model.Serialization;
import io.vmlift.target.VirtualMachineBuilder;
import java.io.IOException;

/**
 * The state record in the cluster, as a ConfigMap beside the migrated VMs: a rerun from another machine or
 * another pipeline run reads it and resumes. Key status.json holds the same JSON as the file store.
 */
public final class ConfigMapStateStore implements StateStore {
    static final String KEY = "status.json";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String plan;

    public ConfigMapStateStore(KubernetesClient client, String namespace, String plan) {
        this.client = client;
        this.namespace = namespace;
        this.plan = plan;
        this.name = "vmlift-plan-" + plan;
    }

    @Override
    public MigrationState load() {
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
        if (map == null || map.getData() == null || !map.getData().containsKey(KEY)) {
            return null;
        }
        try {
            return Serialization.json().readValue(map.getData().get(KEY), MigrationState.class);
        } catch (IOException e) {
            throw VmliftException.badInput("ConfigMap " + describe() + " holds no readable state record ("
                    + e.getMessage().lines().findFirst().orElse("") + "); delete it to start the plan over", e);
        }
    }

    @Override
    public synchronized void save(MigrationState state) {
        ConfigMap map = new ConfigMapBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "vmlift")
                .addToLabels(VirtualMachineBuilder.LABEL_PLAN, VirtualMachineBuilder.labelValue(plan))
                .endMetadata()
                .addToData(KEY, Serialization.toCompactJson(state)) // a ConfigMap holds at most 1 MiB
                .build();
        try {
            client.configMaps().inNamespace(namespace).resource(map).createOr(NonDeletingOperation::update);
        } catch (KubernetesClientException e) {
            throw new VmliftException(ExitCode.FAILED, "cannot save the state record to ConfigMap " + describe() + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    @Override
    public String describe() {
        return namespace + "/" + name;
    }
}
