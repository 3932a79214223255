package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * IBM's tekton-lint (npm @ibm/tekton-lint 1.1.0, installed by .ci/run) over the Tasks, the Pipelines and the
 * example PipelineRuns, with tekton-tasks/.tektonlintrc.yaml: no errors and no warnings, but one kind it gets
 * wrong. tekton-lint 1.1.0 predates array results and reads a whole-array reference, $(tasks.t.results.r[*])
 * (Tekton's syntax for a matrix over a result, docs/matrix.md), as a reference to a result named "r[*]". Such a
 * finding is passed over only when the referenced Task does declare r with type array; any other fails.
 */
class TektonLintTest {
    private static final Pattern WHOLE_ARRAY = Pattern.compile(
            "'([a-z0-9-]+)\\[\\*\\]' is not a result in Task '([a-z0-9-]+)'");

    @Test
    void tektonLintFindsNothing() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("tekton-lint", "--format", "json", "task/**/*.yaml",
                "pipeline/**/*.yaml", "../examples/pipelines/tekton/*.yaml").directory(TektonFiles.MODULE.toFile());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError("tekton-lint is not installed: npm install -g @ibm/tekton-lint@1.1.0 (as .ci/run"
                    + " does)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        List<String> problems = new ArrayList<>();
        for (JsonNode finding : Serialization.json().readTree(output)) {
            if (!wholeArrayOfADeclaredArrayResult(finding)) {
                problems.add(finding.path("path").asText() + ":" + finding.path("loc").path("startLine").asText()
                        + " " + finding.path("rule").asText() + ": " + finding.path("message").asText());
            }
        }
        assertThat(problems).as(output).isEmpty();
    }

    /** The finding names "r[*]" of PipelineTask t, and t's Task declares the result r as an array. */
    private static boolean wholeArrayOfADeclaredArrayResult(JsonNode finding) {
        Matcher m = WHOLE_ARRAY.matcher(finding.path("message").asText());
        if (!"no-undefined-result".equals(finding.path("rule").asText()) || !m.find()) {
            return false;
        }
        JsonNode pipeline = TektonFiles.read(TektonFiles.MODULE.resolve(finding.path("path").asText()));
        for (JsonNode task : pipeline.path("spec").path("tasks")) {
            if (task.path("name").asText().equals(m.group(2))) {
                JsonNode declared = TektonFiles.read(TektonFiles.task(task.path("taskRef").path("name").asText()));
                for (JsonNode result : declared.path("spec").path("results")) {
                    if (result.path("name").asText().equals(m.group(1))) {
                        return "array".equals(result.path("type").asText());
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aWholeArrayReferenceIsPassedOverOnlyForAnArrayResult() {
        JsonNode finding = Serialization.json().createObjectNode().put("rule", "no-undefined-result")
                .put("path", "pipeline/vm-migrate-in-waves/0.1/vm-migrate-in-waves.yaml")
                .put("message", "... 'wave-plans[*]' is not a result in Task 'split'");
        assertThat(wholeArrayOfADeclaredArrayResult(finding)).isTrue();
        // plan-name is a string result: the same finding about it is a real problem.
        ((com.fasterxml.jackson.databind.node.ObjectNode) finding)
                .put("message", "... 'plan-name[*]' is not a result in Task 'split'");
        assertThat(wholeArrayOfADeclaredArrayResult(finding)).isFalse();
    }

    @Test
    void theLinterWouldSeeABrokenTask() throws Exception {
        // A check of the check: the same invocation on a Task with an undefined param must complain.
        java.nio.file.Path broken = java.nio.file.Files.createTempDirectory("tekton-lint");
        java.nio.file.Files.writeString(broken.resolve("broken.yaml"), """
                apiVersion: tekton.dev/v1
                kind: Task
                metadata:
                  name: broken
                spec:
                  steps:
                    - name: run
                      image: docker.io/library/busybox:1.36
                      script: echo $(params.missing)
                """);
        Process process = new ProcessBuilder("tekton-lint", "broken.yaml").directory(broken.toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(5, TimeUnit.MINUTES);
        assertThat(output).contains("missing");
    }
}
