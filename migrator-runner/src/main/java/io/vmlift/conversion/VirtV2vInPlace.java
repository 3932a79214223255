package io.vmlift.conversion;

import io.vmlift.disk.Overlay;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Converts a guest's disk images in place with virt-v2v-in-place (virt-v2v 2.2, Debian 12): virtio drivers into
 * the initramfs, VMware Tools out, the boot configuration fixed. virt-v2v 2.2 writes into the disks it is given
 * and leaves them in an unknown state when it fails, so it is given a qcow2 overlay of each image; only a
 * conversion that succeeded is committed into the images (as Forklift's virt-v2v pod does since 2026). A failed
 * one leaves the images as they were.
 */
public final class VirtV2vInPlace {
    public static final String TOOL = "virt-v2v-in-place";
    /** Under TCG (no KVM) a conversion takes minutes: this bounds a hung one. */
    private static final Duration TIMEOUT = Duration.ofMinutes(60);
    private static final Pattern PROGRESS = Pattern.compile("^\\[\\s*[0-9.]+\\]\\s+(.*)$");
    private static final Pattern SAID = Pattern.compile("^virt-v2v-in-place: (warning: )?(.*)$");
    private static final Pattern ERROR = Pattern.compile("^virt-v2v-in-place: error: (.*)$");

    /** A disk image and its format (raw or qcow2). */
    public record Disk(Path image, String format) {}

    /** What virt-v2v needs of the guest besides its disks (libvirt's domain XML, as -i libvirtxml reads it). */
    public record Guest(String name, boolean uefi, long memoryMiB, int vcpus, List<Disk> disks) {}

    private VirtV2vInPlace() {}

    /** The tools a conversion needs on this machine, missing ones named with the package that has them. */
    public static List<String> missingTools() {
        List<String> missing = new ArrayList<>();
        for (String[] tool : new String[][] {{TOOL, "virt-v2v"}, {"nbdkit", "nbdkit"}, {"qemu-img", "qemu-utils"}}) {
            if (!onPath(tool[0])) {
                missing.add(tool[0] + " (apt-get install " + tool[1] + ")");
            }
        }
        return missing;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(":")).anyMatch(dir -> !dir.isEmpty()
                && Files.isExecutable(Path.of(dir, command)));
    }

    /**
     * Converts the guest; its images change only when the conversion succeeds.
     *
     * @param work a folder of its own for the overlays and the guest's XML; emptied first, removed after
     * @param progress virt-v2v's progress lines, as they come
     * @param cancelled polled while virt-v2v runs: true ends it (the images stay as they were)
     */
    public static ConversionReport convert(Guest guest, Path work, Consumer<String> progress,
            BooleanSupplier cancelled) throws IOException, InterruptedException {
        work = work.toAbsolutePath();
        Overlay.deleteTree(work); // a crashed earlier run's overlays are worth nothing
        Files.createDirectories(work);
        try {
            List<Path> overlays = new ArrayList<>();
            for (int i = 0; i < guest.disks().size(); i++) {
                Disk disk = guest.disks().get(i);
                Path overlay = work.resolve("disk" + i + ".qcow2");
                Overlay.create(disk.image(), disk.format(), overlay);
                overlays.add(overlay);
            }
            Path xml = Files.writeString(work.resolve("guest.xml"), domainXml(guest, overlays));
            Instant started = Instant.now();
            ConversionReport report = runConversion(xml, work, progress, cancelled, started);
            for (Path overlay : overlays) {
                Overlay.commit(overlay);
            }
            return report;
        } finally {
            Overlay.deleteTree(work);
        }
    }

    /** The minimal domain XML virt-v2v-in-place -i libvirtxml takes (its man page's template), one disk each. */
    static String domainXml(Guest guest, List<Path> overlays) {
        StringBuilder xml = new StringBuilder("<domain type='kvm'>\n");
        xml.append("  <name>").append(escape(guest.name())).append("</name>\n");
        xml.append("  <memory unit='MiB'>").append(Math.max(1, guest.memoryMiB())).append("</memory>\n");
        xml.append("  <vcpu>").append(Math.max(1, guest.vcpus())).append("</vcpu>\n");
        xml.append("  <os").append(guest.uefi() ? " firmware='efi'" : "").append("><type arch='x86_64'>hvm</type></os>\n");
        xml.append("  <devices>\n");
        for (int i = 0; i < overlays.size(); i++) {
            xml.append("    <disk type='file' device='disk'>\n")
                    .append("      <driver name='qemu' type='qcow2'/>\n")
                    .append("      <source file='").append(escape(overlays.get(i).toAbsolutePath().toString())).append("'/>\n")
                    .append("      <target dev='sd").append((char) ('a' + i)).append("' bus='sata'/>\n")
                    .append("    </disk>\n");
        }
        return xml.append("  </devices>\n</domain>\n").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }

    private static ConversionReport runConversion(Path xml, Path work, Consumer<String> progress,
            BooleanSupplier cancelled, Instant started) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(TOOL, "-i", "libvirtxml", xml.toString()).directory(work.toFile());
        // libguestfs runs its appliance with QEMU directly; where KVM cannot run, under TCG (slow, but works).
        builder.environment().putIfAbsent("LIBGUESTFS_BACKEND", "direct");
        if (!kvmUsable()) {
            builder.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        }
        Process process = builder.start();
        process.getOutputStream().close();
        List<String> warnings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        CompletableFuture<Void> out = CompletableFuture.runAsync(() -> readLines(process.getInputStream(), line -> {
            Matcher progressLine = PROGRESS.matcher(line);
            Matcher said = SAID.matcher(line);
            if (progressLine.matches()) {
                progress.accept(progressLine.group(1));
            } else if (said.matches()) {
                synchronized (notes) {
                    (said.group(1) != null ? warnings : notes).add(said.group(2).strip());
                }
            }
        }));
        List<String> errors = new ArrayList<>();
        CompletableFuture<Void> err = CompletableFuture.runAsync(() -> readLines(process.getErrorStream(), line -> {
            synchronized (errors) {
                if (errors.size() < 200) {
                    errors.add(line);
                }
            }
        }));
        Instant deadline = started.plus(TIMEOUT);
        while (!process.waitFor(1, TimeUnit.SECONDS)) {
            if (cancelled.getAsBoolean() || Instant.now().isAfter(deadline)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
                throw cancelled.getAsBoolean() ? new InterruptedIOException(TOOL + " was stopped; the disks are as"
                        + " they were before it") : new IOException(TOOL + " did not finish within " + TIMEOUT.toMinutes()
                        + " minutes; the disks are as they were before it");
            }
        }
        out.join();
        err.join();
        if (process.exitValue() != 0) {
            throw new IOException("guest conversion failed: " + errorOf(errors) + " (" + TOOL + " exit "
                    + process.exitValue() + "; the disks are as they were before it)");
        }
        long seconds = Duration.between(started, Instant.now()).toSeconds();
        boolean virtio = notes.stream().anyMatch(n -> n.toLowerCase(Locale.ROOT).contains("has virtio drivers installed"));
        return new ConversionReport(TOOL, seconds, List.copyOf(warnings), List.copyOf(notes), virtio);
    }

    /**
     * virt-v2v's error as one line: the "error:" line and what follows it (its paragraphs), up to its hint about
     * reporting bugs; else stderr's last line.
     */
    static String errorOf(List<String> stderr) {
        for (int i = 0; i < stderr.size(); i++) {
            Matcher m = ERROR.matcher(stderr.get(i));
            if (m.matches()) {
                StringBuilder text = new StringBuilder(m.group(1).strip());
                for (int j = i + 1; j < stderr.size() && !stderr.get(j).startsWith("If reporting bugs"); j++) {
                    if (!stderr.get(j).isBlank()) {
                        text.append(' ').append(stderr.get(j).strip());
                    }
                }
                return text.toString();
            }
        }
        return stderr.isEmpty() ? "no message" : stderr.get(stderr.size() - 1).strip();
    }

    /** /dev/kvm to open and a CPU that virtualizes: otherwise QEMU fails on KVM, as on these build machines. */
    static boolean kvmUsable() {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return false;
        }
        try {
            String flags = Files.readString(Path.of("/proc/cpuinfo"));
            return flags.contains(" vmx") || flags.contains(" svm");
        } catch (IOException e) {
            return false;
        }
    }

    private static void readLines(java.io.InputStream in, Consumer<String> each) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                each.accept(line.length() > 2000 ? line.substring(0, 2000) : line);
            }
        } catch (IOException e) {
            // the process ended: what was read is what there is
        }
    }
}
