package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.OvaFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan --wave-size: one Plan of five VMs written as a canary wave and waves of two, each a Plan that checks. */
class PlanWavesTest {
    @TempDir
    Path dir;

    @Test
    void aPlanSplitsIntoACanaryAndWavesInItsVmOrder() throws Exception {
        Path docs = Example.copyTo(dir);
        Example.withVms(docs, dir.resolve("share"), 5, java.util.Set.of());

        Path waves = dir.resolve("waves/waves.yaml");
        Files.createDirectories(waves.getParent());
        Cli.Run split = Cli.run("plan", "-f", docs, "--wave-size", "2", "--plan-file", waves);
        assertThat(split.exitCode()).as(split.toString()).isZero();

        List<JsonNode> plans = new ArrayList<>();
        new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).readValues(waves.toFile())
                .forEachRemaining(plan -> plans.add((JsonNode) plan));
        assertThat(plans).extracting(p -> p.at("/metadata/name").asText())
                .containsExactly("example-wave-1-canary", "example-wave-1-wave-1", "example-wave-1-wave-2");
        assertThat(plans).extracting(p -> p.at("/spec/vms").findValuesAsText("name"))
                .containsExactly(List.of("vm-1"), List.of("vm-2", "vm-3"), List.of("vm-4", "vm-5"));
        for (JsonNode plan : plans) {
            JsonNode fingerprints = Serialization.json().readTree(plan.at("/metadata/annotations")
                    .path("vmlift.io/vm-fingerprints").asText());
            assertThat(fingerprints.size()).as(plan.at("/metadata/name").asText())
                    .isEqualTo(plan.at("/spec/vms").size());
            assertThat(plan.at("/spec/targetNamespace").asText()).isEqualTo("migrated");
        }

        // --split 3: a canary, then the other four VMs in three waves that differ by at most one; the names are
        // results, for a pipeline's fan-out.
        Path results = dir.resolve("results");
        Path split3 = dir.resolve("waves/split.yaml");
        Cli.Run bySplit = Cli.run("plan", "-f", docs, "--split", "3", "--plan-file", split3, "--results-dir", results);
        assertThat(bySplit.exitCode()).as(bySplit.toString()).isZero();
        List<JsonNode> splitPlans = new ArrayList<>();
        new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).readValues(split3.toFile())
                .forEachRemaining(plan -> splitPlans.add((JsonNode) plan));
        assertThat(splitPlans).extracting(p -> p.at("/spec/vms").findValuesAsText("name"))
                .containsExactly(List.of("vm-1"), List.of("vm-2", "vm-3"), List.of("vm-4"), List.of("vm-5"));
        assertThat(Files.readString(results.resolve("canary-plan"))).isEqualTo("example-wave-1-canary");
        assertThat(Serialization.json().readTree(Files.readString(results.resolve("wave-plans"))))
                .extracting(JsonNode::asText).containsExactly("example-wave-1-wave-1", "example-wave-1-wave-2",
                        "example-wave-1-wave-3");

        Cli.Run both = Cli.run("plan", "-f", docs, "--split", "3", "--wave-size", "2", "--plan-file", split3);
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
        assertThat(both.err()).contains("one of --wave-size N or --split N");

        // Each wave is a Plan like any other: with the providers and maps, it checks on its own.
        Files.delete(docs.resolve("plan.yaml"));
        Cli.Run second = Cli.run("plan", "-f", docs, "-f", waves, "--plan", "example-wave-1-wave-2");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("example-wave-1-wave-2: ready (2 VM(s))");
    }

    @Test
    void waveSizesNeverMakeAnEmptyWave() {
        assertThat(PlanCommand.waveSizes(5, 1, 2, null)).containsExactly(1, 2, 2);
        assertThat(PlanCommand.waveSizes(5, 0, null, 2)).containsExactly(3, 2);
        assertThat(PlanCommand.waveSizes(3, 1, null, 10)).containsExactly(1, 1, 1);
        assertThat(PlanCommand.waveSizes(1, 3, 2, null)).containsExactly(1);
        assertThat(PlanCommand.waveSizes(0, 1, null, 2)).isEmpty();
        assertThat(PlanCommand.waveSizes(7, 2, null, 2)).containsExactly(2, 3, 2);
    }
}
