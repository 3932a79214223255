package io.vmlift.jenkins.plugin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A shell script in place of the vmlift runner (runner: is a command prefix), for what the real one cannot be
 * made to do on cue: it prints the login it was given (which the log must mask), records where KUBECONFIG
 * pointed, holds while a file exists, then writes migrate's results. The control folder must have no spaces.
 */
final class FakeRunner {
    private final Path control;
    final String command;

    FakeRunner(Path control) throws IOException {
        this.control = control;
        Path script = control.resolve("fake-vmlift.sh");
        Files.writeString(script, String.join("\n",
                "# $1 is the stage, then -f DOCUMENTS --results-dir DIR and the stage's options",
                "control=" + control,
                "results=\"$5\"",
                "echo \"fake vmlift $1\"",
                "if [ -n \"$KUBECONFIG\" ]; then echo \"$KUBECONFIG\" > \"$control/kubeconfig-path\"; fi",
                "echo \"login $VMLIFT_SRC_USER:$VMLIFT_SRC_PASSWORD\"",
                "while [ -f \"$control/hold\" ]; do echo waiting; sleep 1; done",
                "mkdir -p \"$results\"",
                "printf '%s' wave-1 > \"$results/plan-name\"",
                "printf '%s' '[\"vm-1\"]' > \"$results/migrated-vms\"",
                "printf '%s' Succeeded > \"$results/migration-status\"",
                "echo \"fake vmlift $1 done\"",
                ""), StandardCharsets.UTF_8);
        command = "sh " + script;
    }

    void hold() throws IOException {
        Files.writeString(control.resolve("hold"), "");
    }

    void release() throws IOException {
        Files.deleteIfExists(control.resolve("hold"));
    }

    /** Where the step put the kubeconfig, as the runner saw it. */
    Path kubeconfig() throws IOException {
        return Path.of(Files.readString(control.resolve("kubeconfig-path"), StandardCharsets.UTF_8).trim());
    }
}
