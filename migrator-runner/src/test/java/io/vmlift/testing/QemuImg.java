package io.vmlift.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the reference tool, qemu-img (Debian qemu-utils), which CI installs. */
public final class QemuImg {
    public record Outcome(int exitCode, String output) {}

    private QemuImg() {}

    public static Outcome run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("qemu-img");
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("qemu-img is not installed: apt-get install qemu-utils (CI does)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("qemu-img " + String.join(" ", args) + " timed out");
        }
        return new Outcome(process.exitValue(), output);
    }

    /** Runs qemu-img and fails unless it exits 0. */
    public static String require(String... args) throws IOException, InterruptedException {
        Outcome outcome = run(args);
        if (outcome.exitCode() != 0) {
            throw new AssertionError("qemu-img " + String.join(" ", args) + " exited " + outcome.exitCode() + ": "
                    + outcome.output());
        }
        return outcome.output();
    }

    /** Converts a raw file to a VMDK of the given subformat (monolithicSparse, streamOptimized, monolithicFlat). */
    public static void toVmdk(Path raw, Path vmdk, String subformat) throws IOException, InterruptedException {
        require("convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + subformat, raw.toString(), vmdk.toString());
    }

    /** qemu-img compare: exit 0 means the two images have identical contents. */
    public static Outcome compare(Path a, Path b) throws IOException, InterruptedException {
        return run("compare", a.toString(), b.toString());
    }
}
