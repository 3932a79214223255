package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --results-dir: one small file per result, as Tekton results and Jenkins steps read them. */
final class ResultsOptions {
    @Option(names = "--results-dir", paramLabel = "DIR",
            description = "Write each result to a file of its own in DIR (for Tekton results).")
    Path resultsDir;

    /** Fails early, before any work, when the results folder cannot be written. */
    void prepare() {
        if (resultsDir != null) {
            Serialization.requireWritableFolder(resultsDir, "--results-dir");
        }
    }

    void write(String name, String value) {
        if (resultsDir != null) {
            Serialization.writeAtomically(resultsDir.resolve(name), value);
        }
    }

    /** Why the command failed, as results ("error", "exit-code"), for a Task or step to report without logs. */
    void writeError(String message, ExitCode code) {
        writeError(resultsDir, message, code);
    }

    static void writeError(Path dir, String message, ExitCode code) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.writeString(dir.resolve("error"), message);
            Files.writeString(dir.resolve("exit-code"), Integer.toString(code.code()));
        } catch (IOException | RuntimeException e) {
            // the one line on stderr already says it
        }
    }
}
