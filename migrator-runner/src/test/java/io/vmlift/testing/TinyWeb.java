package io.vmlift.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The tiny-web guest (examples/guests/tiny-web/build.sh), built once per variant and test run into
 * target/guests, where the kernel package it downloads is kept for the next run.
 */
public final class TinyWeb {
    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    /** The guest's login (build.sh sets it), as the Secret a TestSuite's command checks name: guest-ssh. */
    public static final String LOGIN_SECRET = """
            apiVersion: v1
            kind: Secret
            metadata: {name: guest-ssh}
            type: kubernetes.io/basic-auth
            stringData: {username: root, password: tw-guest-pass}
            """;

    private TinyWeb() {}

    /** @param options build.sh's options: --efi, --broken */
    public static synchronized Path ova(String... options) throws IOException, InterruptedException {
        String key = String.join(" ", options);
        Path built = BUILT.get(key);
        if (built != null && Files.exists(built)) {
            return built;
        }
        Path script = Example.folder().resolve("../../guests/tiny-web/build.sh").normalize();
        Path out = Path.of("target/guests").toAbsolutePath();
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), out.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new AssertionError("build.sh " + key + " failed: " + output);
        }
        Path ova = Path.of(output.strip().lines().reduce((a, b) -> b).orElseThrow());
        BUILT.put(key, ova);
        return ova;
    }
}
