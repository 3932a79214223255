package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner image as tekton-tasks/image/build.sh makes it from Debian packages, checked with real OCI tools:
 * skopeo pushes it into a registry (Debian's docker-registry) with its digest kept and reads its config, umoci
 * unpacks it, and inside its root filesystem, as the image's user 10001, `vmlift
 * --help` runs and `vmlift convert` turns a VMDK into a qcow2 that qemu-img finds identical to the source. A
 * second build from the same inputs gives the same bytes. Needs root (mmdebstrap, chroot) and a Debian mirror:
 * .ci/run has both and sets VMLIFT_IMAGE_TEST=required, so there a missing prerequisite fails instead of skipping.
 */
class RunnerImageTest {
    private static final Path BUILD = TektonFiles.MODULE.resolve("image/build.sh");
    private static final Path JAR = TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar");

    @TempDir
    Path dir;

    record Run(int exitCode, String output) {}

    private static Run run(Path workDir, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish:\n" + output);
        }
        return new Run(process.exitValue(), output);
    }

    private Run ok(List<String> command) throws IOException, InterruptedException {
        Run run = run(dir, command);
        assertThat(run.exitCode()).as(String.join(" ", command) + "\n" + run.output()).isZero();
        return run;
    }

    private static void prerequisites() throws Exception {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(run(Path.of("."), List.of("id", "-u")).output().trim())) {
            missing.add("root (mmdebstrap and chroot)");
        }
        for (String tool : List.of("mmdebstrap", "umoci", "skopeo", "qemu-img", "docker-registry")) {
            if (run(Path.of("."), List.of("sh", "-c", "command -v " + tool)).exitCode() != 0) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "the image test needs " + missing + ": run as root, apt-get install mmdebstrap umoci skopeo"
                + " qemu-utils docker-registry (as .ci/run does)";
        if ("required".equals(System.getenv("VMLIFT_IMAGE_TEST"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
    }

    /**
     * The push the release workflow makes, into a real registry here: Debian's docker-registry (distribution 2.8)
     * on a loopback port, `skopeo copy oci-archive:... docker://...`; the registry then serves the manifest with
     * the digest the build printed, so the image published is the image built and tested.
     */
    private void pushedToARegistryKeepsItsDigest(Path archive, String version, String digest) throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("registry"));
        Path config = Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        Process registry = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        try {
            String reference = "docker://127.0.0.1:" + port + "/vmlift/vmlift-runner:" + version;
            Run pushed = null;
            for (int attempt = 0; attempt < 50; attempt++) { // until the registry listens
                pushed = run(dir, List.of("skopeo", "copy", "--dest-tls-verify=false", "oci-archive:" + archive,
                        reference));
                if (pushed.exitCode() == 0) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(pushed.exitCode()).as(pushed.output() + Files.readString(dir.resolve("registry.log"))).isZero();
            JsonNode inspected = Serialization.json().readTree(ok(List.of("skopeo", "inspect", "--tls-verify=false",
                    reference)).output());
            assertThat(inspected.path("Digest").asText()).isEqualTo(digest);
        } finally {
            registry.destroy();
            registry.waitFor();
        }
    }

    private static String digest(Run build) {
        Matcher m = Pattern.compile("manifest digest: (sha256:[0-9a-f]{64})").matcher(build.output());
        assertThat(m.find()).as(build.output()).isTrue();
        return m.group(1);
    }

    @Test
    void theImageRunsVmliftAsItsUserAndTwoBuildsAreTheSameBytes() throws Exception {
        prerequisites();
        assertThat(JAR).as("the runner jar; mvn builds migrator-runner before this module").isRegularFile();
        Path cache = Files.createDirectories(dir.resolve("rootfs-cache"));
        Path first = dir.resolve("first.oci.tar");
        Path second = dir.resolve("second.oci.tar");
        String version = "9.9.9-test";
        Run built = ok(List.of("bash", BUILD.toString(), "--jar", JAR.toString(), "--version", version, "--output",
                first.toString(), "--rootfs-cache", cache.toString()));
        // Again from the same inputs (the rootfs from the cache): the packing is deterministic to the byte.
        Run again = ok(List.of("bash", BUILD.toString(), "--jar", JAR.toString(), "--version", version, "--output",
                second.toString(), "--rootfs-cache", cache.toString()));
        assertThat(digest(again)).isEqualTo(digest(built));
        assertThat(Files.mismatch(first, second)).isEqualTo(-1L);

        pushedToARegistryKeepsItsDigest(first, version, digest(built));

        JsonNode config = Serialization.json().readTree(ok(List.of("skopeo", "inspect", "--config",
                "oci-archive:" + first)).output());
        assertThat(config.at("/config/User").asText()).isEqualTo("10001:10001");
        assertThat(config.at("/config/Entrypoint/0").asText()).isEqualTo("/usr/local/bin/vmlift");
        assertThat(config.at("/config/Labels/org.opencontainers.image.version").asText()).isEqualTo(version);
        assertThat(config.at("/rootfs/diff_ids").size()).isEqualTo(2);

        Path layout = Files.createDirectories(dir.resolve("layout"));
        ok(List.of("tar", "-xf", first.toString(), "-C", layout.toString()));
        Path bundle = dir.resolve("bundle");
        ok(List.of("umoci", "unpack", "--image", layout + ":" + version, bundle.toString()));
        Path rootfs = bundle.resolve("rootfs");
        JsonNode runtime = Serialization.json().readTree(bundle.resolve("config.json").toFile());
        assertThat(runtime.at("/process/user/uid").asInt()).isEqualTo(10001);

        // A VMDK made on the host with qemu-img, converted inside the image as its user.
        Path raw = dir.resolve("disk.raw");
        ok(List.of("qemu-img", "create", "-f", "raw", raw.toString(), "16M"));
        try (var channel = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap("vmlift runner image test\n".repeat(40_000)
                    .getBytes(StandardCharsets.UTF_8)), 3 << 20);
        }
        Path work = Files.createDirectories(rootfs.resolve("tmp/vmlift-test"));
        ok(List.of("qemu-img", "convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw.toString(),
                work.resolve("disk.vmdk").toString()));
        ok(List.of("chown", "-R", "10001:10001", work.toString()));
        ok(List.of("mount", "-t", "proc", "proc", rootfs.resolve("proc").toString())); // java finds itself there
        try {
            Run help = ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "/usr/local/bin/vmlift",
                    "--help"));
            assertThat(help.output()).contains("Usage: vmlift");
            ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "/usr/local/bin/vmlift", "convert",
                    "/tmp/vmlift-test/disk.vmdk", "/tmp/vmlift-test/disk.qcow2", "-O", "qcow2"));
            assertThat(ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "qemu-system-x86_64",
                    "--version")).output()).contains("QEMU emulator version");
            // Guest conversion's tools: virt-v2v-in-place, nbdkit, and a kernel its appliance can read.
            assertThat(ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "virt-v2v-in-place",
                    "--version")).output()).contains("virt-v2v-in-place 2.");
            ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "nbdkit", "--version"));
            assertThat(ok(List.of("chroot", "--userspec=10001:10001", rootfs.toString(), "sh", "-c",
                    "cat /boot/vmlinuz-* | wc -c")).output().trim()).isNotEqualTo("0");
        } finally {
            run(dir, List.of("umount", rootfs.resolve("proc").toString()));
        }
        Run compare = ok(List.of("qemu-img", "compare", raw.toString(), work.resolve("disk.qcow2").toString()));
        assertThat(compare.output()).contains("Images are identical");
        // Written by the image's user, not by root.
        assertThat(Files.getOwner(work.resolve("disk.qcow2")).getName()).isNotEqualTo("root");
    }
}
