package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * Tekton keeps all of a step's results in its termination message, at most 4096 bytes
     * (tektoncd/pipeline pkg/termination, MaxContainerTerminationMessageLength); a Task that writes more fails.
     * A list result gets this much of it.
     */
    static final int LIST_BUDGET = 2048;

    /**
     * A list as a JSON array of strings, cut to fit LIST_BUDGET bytes: then its last item says how many more
     * there are and where they all are, so the array stays valid JSON and says it is not whole.
     */
    static String list(List<String> items, String whereAll) {
        String whole = Serialization.toCompactJson(items);
        if (whole.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= LIST_BUDGET) {
            return whole;
        }
        List<String> kept = new java.util.ArrayList<>();
        for (String item : items) {
            kept.add(item);
            String note = "... and " + (items.size() - kept.size()) + " more: see " + whereAll;
            List<String> candidate = new java.util.ArrayList<>(kept);
            candidate.add(note);
            if (Serialization.toCompactJson(candidate).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    > LIST_BUDGET) {
                kept.remove(kept.size() - 1);
                break;
            }
        }
        kept.add("... and " + (items.size() - kept.size()) + " more: see " + whereAll);
        return Serialization.toCompactJson(kept);
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
            // One line, and short enough for Tekton's 4096-byte termination message with the other results.
            Files.writeString(dir.resolve("error"), message.length() > 1000 ? message.substring(0, 1000) + "..."
                    : message);
            Files.writeString(dir.resolve("exit-code"), Integer.toString(code.code()));
        } catch (IOException | RuntimeException e) {
            // the one line on stderr already says it
        }
    }
}
