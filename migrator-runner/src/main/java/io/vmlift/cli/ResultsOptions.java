package io.vmlift.cli;

import io.vmlift.model.Serialization;
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
}
