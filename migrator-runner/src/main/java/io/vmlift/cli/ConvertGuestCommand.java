package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.conversion.ConversionReport;
import io.vmlift.conversion.VirtV2vInPlace;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the conversion pod runs (vmlift's runner image on the DataVolumes' PVCs): virt-v2v-in-place on the given
 * disk images, on overlays committed only when it succeeds, and its report as JSON into the container's
 * termination message, where migrate reads it, at most Kubernetes' 4096 bytes.
 */
@Command(name = "convert-guest", mixinStandardHelpOptions = true, description = {
    "Convert a guest's disk images in place with virt-v2v-in-place (what migrate's conversion pod runs).",
    "The images change only when the conversion succeeds. Writes a JSON report to --report."})
final class ConvertGuestCommand implements Callable<Integer> {
    /** Kubernetes keeps at most this much of a termination message (kubelet, MaxContainerTerminationMessageLength). */
    static final int REPORT_LIMIT = 4096;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "The guest's name, for messages.")
    String name;

    @Option(names = "--firmware", paramLabel = "FIRMWARE", defaultValue = "bios", description = "bios or efi.")
    String firmware;

    @Option(names = "--memory-mib", paramLabel = "MIB", defaultValue = "1024", description = "The guest's memory.")
    long memoryMiB;

    @Option(names = "--vcpus", paramLabel = "N", defaultValue = "1", description = "The guest's vCPUs.")
    int vcpus;

    @Option(names = "--disk", required = true, paramLabel = "PATH[:FORMAT]",
            description = "A disk image of the guest, in boot order (repeatable); FORMAT raw (default) or qcow2.")
    List<String> disks = new ArrayList<>();

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the overlays go (default: $TMPDIR).")
    Path workDir;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "/dev/termination-log",
            description = "Where the JSON report goes (default: ${DEFAULT-VALUE}, the pod's termination message).")
    Path report;

    @Override
    public Integer call() throws Exception {
        if (!firmware.equals("bios") && !firmware.equals("efi")) {
            throw VmliftException.badInput("--firmware must be bios or efi, not '" + firmware + "'");
        }
        List<VirtV2vInPlace.Disk> images = new ArrayList<>();
        for (String disk : disks) {
            int colon = disk.lastIndexOf(':');
            String format = colon > 0 ? disk.substring(colon + 1) : "raw";
            Path image = Path.of(colon > 0 ? disk.substring(0, colon) : disk);
            if (!format.equals("raw") && !format.equals("qcow2")) {
                throw VmliftException.badInput("--disk " + disk + ": the format must be raw or qcow2");
            }
            if (!Files.isRegularFile(image)) {
                throw VmliftException.badInput("--disk " + image + ": no such image file");
            }
            images.add(new VirtV2vInPlace.Disk(image, format));
        }
        Path work = (workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"))).resolve("vmlift-v2v");
        PrintWriter out = spec.commandLine().getOut();
        try {
            ConversionReport converted = VirtV2vInPlace.convert(new VirtV2vInPlace.Guest(name, firmware.equals("efi"),
                    memoryMiB, vcpus, images), work, line -> {
                        out.println(line);
                        out.flush();
                    }, () -> false);
            writeReport(report(converted));
            return 0;
        } catch (IOException e) {
            Map<String, Object> failed = new LinkedHashMap<>();
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            failed.put("error", message.length() > 3000 ? message.substring(0, 3000) + "..." : message);
            writeReport(failed);
            throw new VmliftException(ExitCode.FAILED, e.getMessage(), e);
        }
    }

    /** The report, its lists cut from the end until the JSON fits the termination message. */
    static Map<String, Object> report(ConversionReport converted) {
        List<String> warnings = new ArrayList<>(converted.warnings());
        List<String> notes = new ArrayList<>(converted.notes());
        while (true) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("tool", converted.tool());
            report.put("seconds", converted.seconds());
            report.put("virtioDrivers", converted.virtioDrivers());
            report.put("warnings", warnings);
            report.put("notes", notes);
            if (Serialization.toCompactJson(report).getBytes(StandardCharsets.UTF_8).length <= REPORT_LIMIT
                    || (warnings.isEmpty() && notes.isEmpty())) {
                return report;
            }
            if (!notes.isEmpty()) {
                notes.remove(notes.size() - 1);
            } else {
                warnings.remove(warnings.size() - 1);
            }
        }
    }

    private void writeReport(Map<String, Object> body) throws IOException {
        byte[] json = Serialization.toCompactJson(body).getBytes(StandardCharsets.UTF_8);
        Files.write(report, json.length <= REPORT_LIMIT ? json : java.util.Arrays.copyOf(json, REPORT_LIMIT));
    }
}
