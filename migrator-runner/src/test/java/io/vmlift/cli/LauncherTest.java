package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.testing.PrintJvmOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher, run by sh with the real java, beside a jar whose main prints the JIT level and young generation
 * cap the JVM got: migrate runs with C2 (TLS's AES-GCM is fast only as C2's intrinsics), every other command with
 * the client compiler only.
 */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void migrateGetsC2TheOtherCommandsC1OnlyAndEveryOneASmallYoungGeneration() throws Exception {
        Path launcher = Files.copy(Path.of("src/main/launcher/vmlift"), dir.resolve("vmlift"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, PrintJvmOptions.class.getName());
        String entry = PrintJvmOptions.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dir.resolve("vmlift.jar")), manifest);
                InputStream bytes = PrintJvmOptions.class.getClassLoader().getResourceAsStream(entry)) {
            jar.putNextEntry(new JarEntry(entry));
            bytes.transferTo(jar);
        }

        // Every command: a young generation of at most 48 MiB, whatever this machine's memory.
        String young = " " + (48L << 20);
        assertThat(run(launcher, "migrate", "-f", "plan.yaml")).isEqualTo("4" + young);
        assertThat(run(launcher, "--debug", "migrate", "-f", "plan.yaml")).isEqualTo("4" + young);
        assertThat(run(launcher, "--help")).isEqualTo("1" + young);
        assertThat(run(launcher, "plan", "-f", "migrate")).as("a later word named migrate").isEqualTo("1" + young);
        assertThat(run(launcher, "inventory", "-o", "json")).isEqualTo("1" + young);
        assertThat(run(launcher, "convert", "a.vmdk", "b.raw")).isEqualTo("1" + young);
    }

    private String run(Path launcher, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", launcher.toString()));
        command.addAll(List.of(args));
        Path errors = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
        // Options from the environment would change the level, or add a "Picked up" line.
        for (String variable : List.of("VMLIFT_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            builder.environment().remove(variable);
        }
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            // no input
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(errors)).isZero();
        return output;
    }
}
