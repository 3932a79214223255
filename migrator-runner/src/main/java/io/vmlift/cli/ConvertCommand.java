package io.vmlift.cli;

import io.vmlift.VmliftException;
import io.vmlift.disk.CorruptImageException;
import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskFormat;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.disk.DiskWriter;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "convert", mixinStandardHelpOptions = true, description = {
    "Convert one disk image (VMDK sparse, streamOptimized or flat, qcow2, or raw) to raw or qcow2,",
    "copying only its allocated extents. The same copy that migrate uses, outside a plan."})
final class ConvertCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "The image to read.")
    Path source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "The image to write (replaced when complete).")
    Path target;

    @Option(names = {"-O", "--format"}, paramLabel = "FORMAT", defaultValue = "qcow2",
            description = "raw or qcow2 (default: ${DEFAULT-VALUE}).")
    DiskFormat format;

    @Option(names = "--threads", paramLabel = "N", description = "Copy threads (default: up to 4, one per core).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(source)) {
            throw VmliftException.badInput(source + ": no such file; pass an existing disk image");
        }
        AtomicLong copied = new AtomicLong();
        long start = System.nanoTime();
        DiskCopier.Result result;
        try (DiskImage image = DiskImages.open(source);
                DiskWriter writer = format.create(target, image.virtualSize())) {
            DiskCopier copier = threads == null ? DiskCopier.withDefaultThreads() : new DiskCopier(threads);
            result = copier.copy(image, writer, copied::addAndGet);
        } catch (CorruptImageException e) {
            throw VmliftException.badInput(e.getMessage() + "; the image cannot be converted", e);
        } catch (IOException e) {
            throw VmliftException.badInput("cannot convert " + source + " to " + target + ": "
                    + Serialization.describe(e), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintWriter err = spec.commandLine().getErr();
        err.printf("converted %s (%s virtual, %s allocated) to %s %s in %.2f s%n", source,
                Sizes.human(result.virtualSize()), Sizes.human(result.allocatedBytes()), format, target, seconds);
        err.flush();
        return 0;
    }
}
