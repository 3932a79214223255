package io.vmlift.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** The bundled example (examples/pipelines/ova), copied so that a test may change it. */
public final class Example {
    private Example() {}

    public static Path folder() {
        String root = System.getProperty("vmlift.repoRoot");
        Path base = root != null ? Path.of(root) : Path.of("..");
        return base.resolve("examples/pipelines/ova").toAbsolutePath().normalize();
    }

    public static Path copyTo(Path dir) throws IOException {
        Path copy = dir.resolve("example");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(folder())) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.(ya?ml|ova)")).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return copy;
    }
}
