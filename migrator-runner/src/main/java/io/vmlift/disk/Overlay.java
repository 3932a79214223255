package io.vmlift.disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * qcow2 overlays of disk images, made and committed by qemu-img: writes go to the overlay and the image stays as
 * it was until (and unless) the overlay is committed. The test stage boots guests on them and throws them away;
 * guest conversion commits them once virt-v2v succeeded. Also the removal of the work folders they live in.
 */
public final class Overlay {
    private Overlay() {}

    /** A new overlay over image (format raw or qcow2). */
    public static void create(Path image, String format, Path overlay) throws IOException {
        qemuImg(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
                image.toAbsolutePath().toString(), overlay.toString()), Duration.ofSeconds(60));
    }

    /** Writes the overlay's changes into its image; as long as the image is large, at most half an hour. */
    public static void commit(Path overlay) throws IOException {
        qemuImg(List.of("qemu-img", "commit", "-q", overlay.toString()), Duration.ofMinutes(30));
    }

    /** Removes a folder and everything below it; nothing there is fine. */
    public static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void qemuImg(List<String> command, Duration timeout) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command.subList(0, 2)) + " failed: "
                        + output.strip().lines().findFirst().orElse("exit " + process.exitValue()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while " + String.join(" ", command.subList(0, 2))
                    + " ran");
        }
    }
}
