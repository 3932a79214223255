package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.tekton.v1.Pipeline;
import io.fabric8.tekton.v1.Task;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Task and the Pipeline parse into fabric8 tekton-client's typed model with no field it does not know,
 * round-trip, follow the catalog's layout and labels, and pass the checks tekton-lint does not make.
 */
class TektonDocumentsTest {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern PARAM_USE = Pattern.compile("\\$\\(params\\.([A-Za-z0-9_-]+)(\\[\\*\\])?\\)");
    private static final Pattern RESULT_USE = Pattern.compile("\\$\\(results\\.([a-z0-9-]+)\\.path\\)");

    @Test
    void theCatalogLayoutHoldsSevenTasksAndTwoPipelines() {
        assertThat(TektonFiles.tasks()).extracting(p -> p.getFileName().toString()).containsExactly(
                "vmlift-connect.yaml", "vmlift-map.yaml", "vmlift-migrate.yaml", "vmlift-plan.yaml",
                "vmlift-report.yaml", "vmlift-rollback.yaml", "vmlift-test.yaml");
        assertThat(TektonFiles.pipelines()).extracting(p -> p.getFileName().toString())
                .containsExactly("vm-migrate-and-test.yaml", "vm-migrate-in-waves.yaml");
        for (Path file : TektonFiles.tasks()) {
            Path folder = file.getParent();
            assertThat(folder.resolve("README.md")).as("README of " + file).isRegularFile();
            assertThat(folder.resolve("samples")).as("samples of " + file).isDirectory();
            assertThat(folder.resolve("tests")).as("tests of " + file).isDirectory();
        }
    }

    @Test
    void tasksAndThePipelineParseIntoTheTypedModelAndRoundTrip() throws Exception {
        for (Path file : TektonFiles.tasks()) {
            Task task = SERIALIZATION.unmarshal(Files.readString(file), Task.class);
            assertThat(task.getSpec().getSteps()).as(file.toString()).isNotEmpty();
            assertNoUnknownFields(task, file.toString());
            assertThat(SERIALIZATION.unmarshal(SERIALIZATION.asYaml(task), Task.class)).isEqualTo(task);
        }
        for (Path file : TektonFiles.pipelines()) {
            Pipeline pipeline = SERIALIZATION.unmarshal(Files.readString(file), Pipeline.class);
            assertNoUnknownFields(pipeline, file.toString());
            assertThat(SERIALIZATION.unmarshal(SERIALIZATION.asYaml(pipeline), Pipeline.class)).isEqualTo(pipeline);
        }
    }

    @Test
    void labelsAndAnnotationsAreTheCatalogs() {
        List<Path> all = new ArrayList<>(TektonFiles.tasks());
        all.addAll(TektonFiles.pipelines());
        for (Path file : all) {
            JsonNode metadata = TektonFiles.read(file).path("metadata");
            assertThat(metadata.path("labels").path("app.kubernetes.io/version").asText()).as(file.toString())
                    .isEqualTo(file.getParent().getFileName().toString());
            for (String annotation : List.of("tekton.dev/pipelines.minVersion", "tekton.dev/categories",
                    "tekton.dev/tags", "tekton.dev/displayName")) {
                assertThat(metadata.path("annotations").path(annotation).asText()).as(file + " " + annotation)
                        .isNotBlank();
            }
        }
    }

    /** What tekton-lint does not check: the shape of steps, params both ways, results, and where params go. */
    @Test
    void stepsParamsAndResultsAreConsistent() {
        for (Path file : TektonFiles.tasks()) {
            JsonNode spec = TektonFiles.read(file).path("spec");
            String where = file.getFileName().toString();
            Set<String> stepNames = new HashSet<>();
            Set<String> used = new LinkedHashSet<>();
            Set<String> resultsWritten = new HashSet<>();
            boolean runnerWritesResults = false;
            for (JsonNode step : spec.path("steps")) {
                assertThat(stepNames.add(step.path("name").asText())).as(where + ": duplicate step name").isTrue();
                assertThat(step.has("command") && step.has("script")).as(where + ": command together with script")
                        .isFalse();
                String script = step.path("script").asText();
                assertThat(PARAM_USE.matcher(script).find()).as(where + ": params pasted into the script; pass them"
                        + " through env").isFalse();
                String text = step.toString();
                Matcher params = PARAM_USE.matcher(text);
                while (params.find()) {
                    used.add(params.group(1));
                }
                Matcher results = RESULT_USE.matcher(text);
                while (results.find()) {
                    resultsWritten.add(results.group(1));
                }
                runnerWritesResults |= script.contains("--results-dir");
                assertThat(step.path("securityContext").path("runAsNonRoot").asBoolean()).as(where + ": non-root")
                        .isTrue();
            }
            Matcher volumeParams = PARAM_USE.matcher(spec.path("volumes").toString());
            while (volumeParams.find()) {
                used.add(volumeParams.group(1));
            }
            Set<String> declared = new LinkedHashSet<>();
            for (JsonNode param : spec.path("params")) {
                declared.add(param.path("name").asText());
                assertThat(param.path("name").asText()).as(where).matches("[a-z][A-Za-z0-9]*");
                assertThat(param.path("description").asText()).as(where + " param description").isNotBlank();
                assertThat(param.path("type").asText()).as(where + " param type").isIn("string", "array");
            }
            assertThat(used).as(where + ": params used but not declared").isSubsetOf(declared);
            assertThat(declared).as(where + ": params declared but never used").isSubsetOf(used);
            for (JsonNode result : spec.path("results")) {
                String name = result.path("name").asText();
                assertThat(name).as(where).matches("[a-z][a-z0-9-]*");
                assertThat(resultsWritten.contains(name) || runnerWritesResults)
                        .as(where + ": result " + name + " is never written").isTrue();
            }
            assertThat(spec.path("params").findValuesAsText("name")).contains("image");
            assertThat(spec.path("params").get(0).path("default").asText()).as(where + ": pinned image")
                    .matches(".+:[0-9][^:]*").doesNotEndWith(":latest");
        }
    }

    @Test
    void thePipelinesPassOnlyParamsTheyDeclareAndTasksThatExist() {
        for (Path pipeline : TektonFiles.pipelines()) {
            pipelinePassesOnlyParamsItDeclaresAndTasksThatExist(TektonFiles.read(pipeline).path("spec"));
        }
    }

    private static void pipelinePassesOnlyParamsItDeclaresAndTasksThatExist(JsonNode spec) {
        Set<String> declared = new HashSet<>(spec.path("params").findValuesAsText("name"));
        Matcher uses = PARAM_USE.matcher(spec.path("tasks").toString() + spec.path("finally"));
        while (uses.find()) {
            assertThat(declared).contains(uses.group(1));
        }
        List<JsonNode> tasks = new ArrayList<>();
        spec.path("tasks").forEach(tasks::add);
        spec.path("finally").forEach(tasks::add);
        for (JsonNode task : tasks) {
            String ref = task.path("taskRef").path("name").asText();
            assertThat(TektonFiles.task(ref)).as("Task " + ref).isRegularFile();
            JsonNode taskSpec = TektonFiles.read(TektonFiles.task(ref)).path("spec");
            Set<String> taskParams = new HashSet<>(taskSpec.path("params").findValuesAsText("name"));
            assertThat(task.path("params").findValuesAsText("name")).as(ref).allMatch(taskParams::contains);
            assertThat(task.path("matrix").path("params").findValuesAsText("name")).as(ref + " matrix")
                    .allMatch(taskParams::contains);
            for (JsonNode workspace : taskSpec.path("workspaces")) {
                if (!workspace.path("optional").asBoolean()) {
                    assertThat(task.path("workspaces").findValuesAsText("name")).as(ref + " binds "
                            + workspace.path("name").asText()).contains(workspace.path("name").asText());
                }
            }
        }
    }

    /** fabric8 keeps fields it does not know in additionalProperties: a typo would pass a plain parse. */
    private static void assertNoUnknownFields(Object model, String where) throws Exception {
        if (model == null) {
            return;
        }
        if (model instanceof List<?> list) {
            for (Object item : list) {
                assertNoUnknownFields(item, where);
            }
            return;
        }
        if (!(model instanceof KubernetesResource)) {
            return;
        }
        for (Method getter : model.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = getter.invoke(model);
            if (getter.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) value).as(where + ": unknown fields in " + model.getClass().getSimpleName())
                        .isNullOrEmpty();
            } else {
                assertNoUnknownFields(value, where);
            }
        }
    }
}
