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

    /**
     * Rewrites a copy of the example for VMs vm-1 .. vm-n, each an OVA of its own (the example's, renamed, with
     * a MAC of its own) in the folder share, which the Provider then names; the Plan lists them in order. The
     * VMs numbered in corrupt get a first disk whose compressed grains are overwritten in the middle: the plan
     * checks, and the copy fails.
     */
    public static void withVms(Path copy, Path share, int n, java.util.Set<Integer> corrupt) throws IOException {
        Files.createDirectories(share);
        StringBuilder vms = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            int number = i;
            Path ova = OvaFiles.rewrite(copy.resolve("example-vm.ova"), share.resolve("vm-" + number + ".ova"),
                    "example-vm.ovf", ovf -> new String(ovf, java.nio.charset.StandardCharsets.UTF_8)
                            .replace("<Name>Example VM</Name>", "<Name>vm-" + number + "</Name>")
                            .replace("00:50:56:8a:12:0", "00:50:56:8a:2" + number + ":0")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (corrupt.contains(number)) {
                OvaFiles.rewrite(ova, ova, "example-vm-disk1.vmdk", vmdk -> {
                    byte[] broken = vmdk.clone();
                    java.util.Arrays.fill(broken, broken.length / 2, broken.length / 2 + 64 * 1024, (byte) 0xff);
                    return broken;
                });
            }
            vms.append("    - name: vm-").append(number).append('\n');
        }
        Files.delete(copy.resolve("example-vm.ova"));
        Files.writeString(copy.resolve("providers.yaml"), Files.readString(copy.resolve("providers.yaml"))
                .replace("url: example-vm.ova", "url: " + share.toAbsolutePath()).replace("verifyManifest: \"true\"",
                        "verifyManifest: \"false\""));
        Files.writeString(copy.resolve("plan.yaml"), Files.readString(copy.resolve("plan.yaml"))
                .replace("    - name: Example VM\n", vms.toString()));
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
