package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.OvaFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provider folder of several OVAs: VMs with the same name, MACs shared or not, migrated side by side. */
class MultiVmPlanTest {
    @TempDir
    Path dir;
    private Path docs;
    private Path share;

    @BeforeEach
    void share() throws IOException {
        docs = Example.copyTo(dir);
        share = Files.createDirectories(docs.resolve("share"));
        // The copies get edited OVFs, so their manifests no longer match: this test is not about manifests.
        Files.writeString(docs.resolve("providers.yaml"), Files.readString(docs.resolve("providers.yaml"))
                .replace("url: example-vm.ova", "url: share").replace("verifyManifest: \"true\"", "verifyManifest: \"false\""));
    }

    /** A copy of the example whose MACs end in the given byte instead of 01/02. */
    private void copyWithMacs(String name, int lastByte) throws IOException {
        OvaFiles.rewrite(docs.resolve("example-vm.ova"), share.resolve(name), "example-vm.ovf", ovf ->
                new String(ovf, StandardCharsets.UTF_8)
                        .replace("00:50:56:8a:12:01", String.format("00:50:56:8a:%02x:01", lastByte))
                        .replace("00:50:56:8a:12:02", String.format("00:50:56:8a:%02x:02", lastByte))
                        .getBytes(StandardCharsets.UTF_8));
    }

    private List<String> vmIds() throws IOException {
        Cli.Run inventory = Cli.run("inventory", "-f", docs, "-o", "json");
        assertThat(inventory.exitCode()).as(inventory.toString()).isZero();
        List<String> ids = new ArrayList<>();
        Serialization.json().readTree(inventory.out()).path("vms").forEach(vm -> ids.add(vm.path("id").asText()));
        return ids;
    }

    private void planByIds(List<String> ids) throws IOException {
        StringBuilder vms = new StringBuilder();
        ids.forEach(id -> vms.append("    - id: ").append(id).append('\n'));
        Files.writeString(docs.resolve("plan.yaml"), Files.readString(docs.resolve("plan.yaml"))
                .replace("    - name: Example VM\n", vms.toString()));
    }

    @Test
    void threeVmsOfOneNameMigrateSideBySideUnderDistinctNames() throws IOException {
        copyWithMacs("a.ova", 0x21);
        copyWithMacs("b.ova", 0x22);
        copyWithMacs("c.ova", 0x23);
        List<String> ids = vmIds();
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        planByIds(ids);

        Cli.Run plan = Cli.run("plan", "-f", docs, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        JsonNode report = Serialization.json().readTree(plan.out());
        assertThat(report.path("vms").findValuesAsText("targetName"))
                .containsExactly("example-vm", "example-vm-2", "example-vm-3");

        Path out = dir.resolve("out");
        Cli.Run migrate = Cli.run("migrate", "-f", docs, "--output-dir", out, "--max-in-flight", "3",
                "--progress", "none");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        for (String name : List.of("example-vm", "example-vm-2", "example-vm-3")) {
            assertThat(out.resolve("migrated").resolve(name).resolve("virtualmachine.yaml")).exists();
        }
        Cli.Run test = Cli.run("test", "-f", docs, "--output-dir", out);
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.out()).contains("24 passed, 0 failed");
    }

    @Test
    void aDatastoreLimitKeepsTheVmsOnItOneAtATime() throws Exception {
        copyWithMacs("a.ova", 0x21);
        copyWithMacs("b.ova", 0x22);
        copyWithMacs("c.ova", 0x23);
        planByIds(vmIds());
        io.vmlift.model.DocumentSet documents = io.vmlift.model.DocumentLoader.load(List.of(docs));
        try (io.vmlift.source.SourceProvider source = io.vmlift.source.SourceProviders.connect(
                documents.sourceProvider(null), documents.credentials(documents.sourceProvider(null)))) {
            io.vmlift.plan.ResolvedPlan plan = io.vmlift.plan.PlanResolver.resolve(documents, documents.plan(null),
                    source);
            java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
            io.vmlift.engine.ProgressListener watch = (vm, phase, detail) -> {
                if (phase == io.vmlift.engine.Phase.Validate) {
                    most.accumulateAndGet(active.incrementAndGet(), Math::max);
                } else if (phase == io.vmlift.engine.Phase.Completed || phase == io.vmlift.engine.Phase.Failed) {
                    active.decrementAndGet();
                }
            };
            Path out = dir.resolve("out");
            io.vmlift.engine.MigrationState state = new io.vmlift.engine.MigrationEngine(source,
                    new io.vmlift.destination.manifests.ManifestsTarget(out, io.vmlift.disk.DiskFormat.QCOW2),
                    io.vmlift.engine.FileStateStore.forPlan(out, "p"), watch,
                    new io.vmlift.engine.MigrationEngine.Options(3, java.time.Duration.ofSeconds(1), 2,
                            java.time.Duration.ofSeconds(5), io.vmlift.engine.MigrationEngine.Warm.CUT_OVER_AT_ONCE,
                            io.vmlift.Backoff.DEFAULT, new io.vmlift.engine.MigrationEngine.Limits(0, 1)))
                    .run(plan);
            assertThat(state.succeeded()).isTrue();
            assertThat(most.get()).as("VMs in flight at once on the one OVA storage").isEqualTo(1);
        }
    }

    @Test
    void copiesThatShareMacsAreAMacConflictAndANameMatchesSeveralVms() throws IOException {
        copyWithMacs("a.ova", 0x12); // the example's own MACs
        copyWithMacs("b.ova", 0x12);
        planByIds(vmIds());
        Cli.Run byId = Cli.run("plan", "-f", docs, "-o", "json");
        assertThat(byId.exitCode()).isEqualTo(3);
        assertThat(Serialization.json().readTree(byId.out()).path("concerns").findValuesAsText("id"))
                .contains("MacConflicts");

        Files.writeString(docs.resolve("plan.yaml"), Files.readString(Example.folder().resolve("plan.yaml")));
        Cli.Run byName = Cli.run("plan", "-f", docs, "-o", "json");
        assertThat(byName.exitCode()).isEqualTo(2);
        assertThat(Serialization.json().readTree(byName.out()).path("concerns").findValuesAsText("id"))
                .containsExactly("VMAmbiguous");
    }
}
