package io.vmlift.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Tekton documents of this module, in the catalog's layout, and the repository around them. */
final class TektonFiles {
    static final Path REPO = Path.of(System.getProperty("vmlift.repoRoot", "..")).toAbsolutePath().normalize();
    static final Path MODULE = REPO.resolve("tekton-tasks");

    private TektonFiles() {}

    /** task/&lt;name&gt;/&lt;version&gt;/&lt;name&gt;.yaml */
    static List<Path> tasks() {
        return yamlUnder(MODULE.resolve("task"));
    }

    static List<Path> pipelines() {
        return yamlUnder(MODULE.resolve("pipeline"));
    }

    static Path task(String name) {
        return MODULE.resolve("task").resolve(name).resolve("0.1").resolve(name + ".yaml");
    }

    static Path pipeline(String name) {
        return MODULE.resolve("pipeline").resolve(name).resolve("0.1").resolve(name + ".yaml");
    }

    static JsonNode read(Path file) {
        try {
            return Serialization.yaml().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> yamlUnder(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            // Only the resource itself: task/<name>/<version>/<name>.yaml, not samples or tests.
            return files.filter(f -> f.getFileName().toString().equals(f.getParent().getParent().getFileName() + ".yaml"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * suites/smoke.yaml in the documents: one console check, which only a booted guest or a cluster can run, so
     * that without them vmlift reports it as not run and the test Task fails its gate (exit 5).
     */
    static Path writeSuiteThatNeedsAGuest(Path documents) throws IOException {
        Files.createDirectories(documents.resolve("suites"));
        return Files.writeString(documents.resolve("suites/smoke.yaml"), """
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: smoke}
                spec:
                  checks:
                  - {name: boots, type: console, expect: "login:"}
                """);
    }
}
