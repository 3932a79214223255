package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * IBM's tekton-lint (npm @ibm/tekton-lint 1.1.0, installed by .ci/run) over the Tasks, the Pipeline and the
 * example PipelineRuns, with tekton-tasks/.tektonlintrc.yaml: no errors and no warnings.
 */
class TektonLintTest {
    @Test
    void tektonLintFindsNothing() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("tekton-lint", "task/**/*.yaml", "pipeline/**/*.yaml",
                "../examples/pipelines/tekton/*.yaml").directory(TektonFiles.MODULE.toFile()).redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError("tekton-lint is not installed: npm install -g @ibm/tekton-lint@1.1.0 (as .ci/run"
                    + " does)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).as(output).doesNotContain("warning").doesNotContain("error");
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
