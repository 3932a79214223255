package io.vmlift.destination.kubevirt;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.StateStore;
import io.vmlift.model.Serialization;
import io.vmlift.destination.VirtualMachineBuilder;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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
    /** How long a run holds the plan's lock without renewing it; a run that died is followed this much later. */
    static final Duration HOLD = Duration.ofSeconds(90);
    static final String HOLDER = "vmlift.io/lock-holder";
    static final String HELD_UNTIL = "vmlift.io/lock-held-until";
    private final String identity = StateStore.identity() + " #" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private boolean holding;
    /**
     * The ConfigMap as the API server answered this store's last write. The next write starts from it instead of
     * reading it again (a run saves its record a few times per VM): it names that resourceVersion, so a write by
     * anyone else in between still makes it fail (409) and start over from a fresh read.
     */
    private ConfigMap written;

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
        String json = Serialization.toCompactJson(state); // a ConfigMap holds at most 1 MiB
        update(map -> {
            if (holding && !identity.equals(holder(map))) {
                throw new VmliftException(ExitCode.FAILED, "plan '" + plan + "': another run (" + holder(map)
                        + ") took over ConfigMap " + describe() + " after this run stopped renewing it; this run stops");
            }
            map.getData().put(KEY, json);
        });
    }

    /**
     * The lock lives in the state record's own annotations (holder, held until), changed only by updates that
     * name the resourceVersion they read, so two runs cannot both take it. A run renews it while it runs; a run
     * that died leaves it to expire after {@link #HOLD}.
     */
    @Override
    public synchronized Lock lock() {
        update(map -> {
            String holder = holder(map);
            String until = map.getMetadata().getAnnotations().get(HELD_UNTIL);
            boolean live = holder != null && until != null && Instant.parse(until).isAfter(Instant.now());
            if (live && !identity.equals(holder)) {
                throw StateStore.heldBy(plan, "namespace " + namespace, holder + ", held until " + until
                        + " in ConfigMap " + describe());
            }
            hold(map);
        });
        holding = true;
        ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "vmlift-lock-renewal");
            thread.setDaemon(true);
            return thread;
        });
        long every = HOLD.toSeconds() / 3;
        renewal.scheduleAtFixedRate(this::renew, every, every, TimeUnit.SECONDS);
        return () -> {
            renewal.shutdownNow();
            release();
        };
    }

    private synchronized void renew() {
        try {
            update(map -> {
                if (identity.equals(holder(map))) {
                    hold(map);
                }
            });
        } catch (RuntimeException e) {
            // The next save or renewal tries again; a lock that ran out is caught by save.
        }
    }

    private synchronized void release() {
        holding = false;
        try {
            update(map -> {
                if (identity.equals(holder(map))) {
                    map.getMetadata().getAnnotations().remove(HOLDER);
                    map.getMetadata().getAnnotations().remove(HELD_UNTIL);
                }
            });
        } catch (RuntimeException e) {
            // It expires by itself.
        }
    }

    private void hold(ConfigMap map) {
        map.getMetadata().getAnnotations().put(HOLDER, identity);
        map.getMetadata().getAnnotations().put(HELD_UNTIL, Instant.now().plus(HOLD).toString());
    }

    private static String holder(ConfigMap map) {
        return map.getMetadata().getAnnotations().get(HOLDER);
    }

    /**
     * Reads the ConfigMap (or starts a new one), changes it, and writes it back naming the resourceVersion read:
     * when another writer came between, the write is refused (409) and the change is made again on a fresh read.
     * The first try starts from this store's own last write, if any, instead of a read.
     */
    private void update(java.util.function.Consumer<ConfigMap> change) {
        for (int attempt = 1; ; attempt++) {
            ConfigMap ours = written;
            written = null; // changed below: until the server answers, no longer what it holds
            try {
                ConfigMap current = ours != null ? ours
                        : client.configMaps().inNamespace(namespace).withName(name).get();
                ConfigMap map = current != null ? current : new ConfigMapBuilder()
                        .withNewMetadata().withName(name).withNamespace(namespace)
                        .addToLabels("app.kubernetes.io/managed-by", "vmlift")
                        .addToLabels(VirtualMachineBuilder.LABEL_PLAN, VirtualMachineBuilder.labelValue(plan))
                        .endMetadata().build();
                if (map.getMetadata().getAnnotations() == null) {
                    map.getMetadata().setAnnotations(new java.util.HashMap<>());
                }
                if (map.getData() == null) {
                    map.setData(new java.util.HashMap<>());
                }
                try {
                    change.accept(map);
                } catch (RuntimeException refused) {
                    if (ours == null) {
                        throw refused;
                    }
                    continue; // refused on what this store last wrote (a lock held by another): ask the server
                }
                written = current == null ? client.configMaps().inNamespace(namespace).resource(map).create()
                        : client.configMaps().inNamespace(namespace).resource(map).update();
                return;
            } catch (KubernetesClientException e) {
                // 409: someone wrote in between; 404 after our own write: someone deleted it. Read again.
                if ((e.getCode() == 409 || (e.getCode() == 404 && ours != null)) && attempt < 10) {
                    continue;
                }
                throw new VmliftException(ExitCode.FAILED, "cannot save the state record to ConfigMap " + describe()
                        + ": " + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
    }

    @Override
    public String describe() {
        return namespace + "/" + name;
    }
}
