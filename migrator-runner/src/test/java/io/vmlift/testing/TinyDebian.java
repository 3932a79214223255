package io.vmlift.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tiny-debian guest (examples/guests/tiny-debian/build.sh: Debian 12 whose initramfs has SATA drivers only),
 * built into target/guests and reused while build.sh is unchanged (its build takes a minute and a mirror).
 */
public final class TinyDebian {
    private TinyDebian() {}

    public static synchronized Path ova() throws Exception {
        Path script = Example.folder().resolve("../../guests/tiny-debian/build.sh").normalize();
        Path out = Files.createDirectories(Path.of("target/guests/tiny-debian").toAbsolutePath());
        String recipe = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(script)));
        Path ova = out.resolve("tiny-debian.ova");
        Path stamp = out.resolve("tiny-debian.recipe");
        if (Files.exists(ova) && Files.exists(stamp) && Files.readString(stamp).equals(recipe)) {
            return ova;
        }
        Files.deleteIfExists(stamp);
        Process process = new ProcessBuilder(List.of("bash", script.toString(), out.toString()))
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new AssertionError("tiny-debian/build.sh failed (it needs root, mmdebstrap and a Debian mirror, as"
                    + " .ci/run gives): " + output);
        }
        Files.writeString(stamp, recipe);
        return ova;
    }

    /** A Plan file's first Plan with the guest-conversion annotation set to value. */
    public static void annotate(Path planFile, String value) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode plan = (com.fasterxml.jackson.databind.node.ObjectNode)
                io.vmlift.model.Serialization.yaml().readTree(planFile.toFile());
        plan.with("metadata").with("annotations").put(io.vmlift.model.Plan.GUEST_CONVERSION, value);
        Files.writeString(planFile, io.vmlift.model.Serialization.toYaml(plan));
    }
}
