package io.vmlift.cli;

import io.vmlift.model.Serialization;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** -o table|json|yaml for commands that print what they read or decide. */
final class OutputOptions {
    enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json or yaml (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    /**
     * Prints value as json or yaml as it is written (no copy of the text); returns false when the format is table,
     * for the caller to print.
     */
    boolean printStructured(PrintWriter out, Object value) {
        switch (format) {
            case json -> Serialization.writeJson(out, value);
            case yaml -> Serialization.writeYaml(out, value);
            default -> {
                return false;
            }
        }
        return true;
    }
}
