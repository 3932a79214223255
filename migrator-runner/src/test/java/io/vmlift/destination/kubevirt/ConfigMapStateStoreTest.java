package io.vmlift.destination.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.StateStore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The state record's round trips: a run reads its ConfigMap once and then writes from what the server answered
 * it, yet a write by anyone else between two saves is neither lost nor overwritten (the mock API server refuses
 * an update naming an old resourceVersion with 409, as kube-apiserver does).
 */
@EnableKubernetesMockClient(crud = true)
class ConfigMapStateStoreTest {
    static final String PATH = "/api/v1/namespaces/wave1/configmaps/vmlift-plan-wave-1";

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void aRunReadsItsRecordOnceAndKeepsWhatOthersWroteBetweenItsSaves() throws Exception {
        ConfigMapStateStore store = new ConfigMapStateStore(client, "wave1", "wave-1");
        MigrationState state = new MigrationState();
        state.plan = "wave-1";
        try (StateStore.Lock held = store.lock()) {
            for (int i = 0; i < 5; i++) {
                store.save(state);
            }
            assertThat(getsOfTheRecord()).as("the lock's first read only").isEqualTo(1);

            // kubectl annotate, between two saves.
            ConfigMap map = client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").get();
            map.getMetadata().getAnnotations().put("team", "storage");
            client.configMaps().inNamespace("wave1").resource(map).update();
            getsOfTheRecord();

            store.save(state);
            assertThat(getsOfTheRecord()).as("refused once, read again").isEqualTo(1);
        }
        ConfigMap after = client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").get();
        assertThat(after.getMetadata().getAnnotations()).containsEntry("team", "storage")
                .doesNotContainKey(ConfigMapStateStore.HOLDER);
        assertThat(after.getData()).containsKey(ConfigMapStateStore.KEY);
    }

    @Test
    void aRecordDeletedDuringARunIsMadeAgain() {
        ConfigMapStateStore store = new ConfigMapStateStore(client, "wave1", "wave-1");
        MigrationState state = new MigrationState();
        state.plan = "wave-1";
        store.save(state);
        client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").delete();

        store.save(state);
        assertThat(store.load().plan).isEqualTo("wave-1");
    }

    /** GETs of the record since the last call. */
    private int getsOfTheRecord() throws InterruptedException {
        int gets = 0;
        for (RecordedRequest r; (r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null; ) {
            if (r.getMethod().equals("GET") && r.getPath().equals(PATH)) {
                gets++;
            }
        }
        return gets;
    }
}
