package io.vmlift.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.destination.kubevirt.ConfigMapStateStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs of one plan into one place: the second is refused at once, naming the first. */
@EnableKubernetesMockClient(crud = true)
class PlanLockTest {
    KubernetesClient client;

    @TempDir
    Path dir;

    private static VmliftException refused(StateStore store) {
        VmliftException e = catchThrowableOfType(VmliftException.class, () -> store.lock().close());
        assertThat(e).as("the second lock is refused").isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(e.getMessage()).doesNotContain("\n").contains("plan 'wave-1'").contains("another run")
                .contains("pid " + ProcessHandle.current().pid());
        return e;
    }

    @Test
    void aFolderHoldsOneRunOfAPlanAtATime() {
        FileStateStore first = FileStateStore.forPlan(dir, "wave-1");
        FileStateStore second = FileStateStore.forPlan(dir, "wave-1");
        try (StateStore.Lock held = first.lock()) {
            refused(second);
            // Another plan into the same folder is another lock.
            FileStateStore.forPlan(dir, "wave-2").lock().close();
        }
        second.lock().close(); // released: the next run goes on
    }

    @Test
    void aClusterNamespaceHoldsOneRunOfAPlanAtATimeAndARunThatDiedExpires() {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName("wave1").endMetadata().build()).create();
        ConfigMapStateStore first = new ConfigMapStateStore(client, "wave1", "wave-1");
        ConfigMapStateStore second = new ConfigMapStateStore(client, "wave1", "wave-1");
        MigrationState state = new MigrationState();
        state.plan = "wave-1";
        try (StateStore.Lock held = first.lock()) {
            first.save(state); // saving keeps the lock
            assertThat(annotations().get("vmlift.io/lock-holder")).contains("pid ");
            assertThat(refused(second).getMessage()).contains("ConfigMap wave1/vmlift-plan-wave-1");
            assertThat(second.load().plan).isEqualTo("wave-1");
        }
        assertThat(annotations()).doesNotContainKey("vmlift.io/lock-holder");
        second.lock().close();

        // A run that died holds no more than its lease: once expired, the next run takes over.
        ConfigMap map = client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").get();
        map.getMetadata().getAnnotations().put("vmlift.io/lock-holder", "pid 1 on gone-host");
        map.getMetadata().getAnnotations().put("vmlift.io/lock-held-until", Instant.now().minusSeconds(1).toString());
        client.configMaps().inNamespace("wave1").resource(map).update();
        try (StateStore.Lock held = first.lock()) {
            assertThat(annotations().get("vmlift.io/lock-holder")).doesNotContain("gone-host");
        }
    }

    @Test
    void aRunWhoseLockWasTakenOverStopsSaving() {
        ConfigMapStateStore first = new ConfigMapStateStore(client, "wave1", "wave-1");
        MigrationState state = new MigrationState();
        state.plan = "wave-1";
        try (StateStore.Lock held = first.lock()) {
            ConfigMap map = client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").get();
            map.getMetadata().getAnnotations().put("vmlift.io/lock-holder", "pid 2 on other-host");
            client.configMaps().inNamespace("wave1").resource(map).update();
            VmliftException e = catchThrowableOfType(VmliftException.class, () -> first.save(state));
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains("pid 2 on other-host").contains("took over");
        }
    }

    private Map<String, String> annotations() {
        return client.configMaps().inNamespace("wave1").withName("vmlift-plan-wave-1").get().getMetadata()
                .getAnnotations();
    }

    @Test
    void aSecondMigrateIntoTheSameFolderExitsWithOneLineAndTouchesNothing() throws Exception {
        Path docs = io.vmlift.testing.Example.copyTo(dir);
        Path out = dir.resolve("out");
        try (StateStore.Lock held = FileStateStore.forPlan(out, "example-wave-1").lock()) {
            io.vmlift.testing.Cli.Run second = io.vmlift.testing.Cli.run("migrate", "-f", docs, "--output-dir", out,
                    "--progress", "none");
            assertThat(second.exitCode()).as(second.toString()).isEqualTo(ExitCode.FAILED.code());
            assertThat(second.err()).hasLineCount(1).contains("plan 'example-wave-1' is being migrated")
                    .contains("pid " + ProcessHandle.current().pid());
            assertThat(out.resolve("migrated")).doesNotExist();
        }
        io.vmlift.testing.Cli.Run after = io.vmlift.testing.Cli.run("migrate", "-f", docs, "--output-dir", out,
                "--progress", "none");
        assertThat(after.exitCode()).as(after.toString()).isZero();
    }
}
