package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.QemuImg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DryRunTest {
    @TempDir
    Path dir;

    /** What qemu-img says each disk of the example OVA holds: the bytes of its data extents. */
    private List<Long> allocatedPerQemuImg(Path ova) throws Exception {
        List<Long> bytes = new ArrayList<>();
        try (TarFile tar = new TarFile(ova)) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                if (!entry.getName().endsWith(".vmdk")) {
                    continue;
                }
                Path vmdk = dir.resolve(Path.of(entry.getName()).getFileName());
                try (var in = tar.getInputStream(entry)) {
                    Files.copy(in, vmdk);
                }
                long sum = 0;
                for (JsonNode extent : Serialization.json().readTree(QemuImg.require("map", "--output=json",
                        vmdk.toString()))) {
                    sum += extent.path("data").asBoolean() ? extent.path("length").asLong() : 0;
                }
                bytes.add(sum);
            }
        }
        return bytes;
    }

    @Test
    void aDryRunShowsTheItineraryAndTheBytesToCopyAndChangesNothing() throws Exception {
        Path docs = Example.copyTo(dir);
        Path out = dir.resolve("out");
        Cli.Run run = Cli.run("migrate", "-f", docs, "--output-dir", out, "--dry-run", "--throughput", "1", "-o", "json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode vm = Serialization.json().readTree(run.out()).path("vms").get(0);
        assertThat(vm.path("itinerary").asText()).isEqualTo("COLD");
        List<String> steps = new ArrayList<>();
        vm.path("steps").forEach(s -> steps.add(s.asText()));
        assertThat(steps).containsSubsequence("Validate", "PowerOffSource", "CopyDisks", "CreateVM", "Completed");
        List<Long> disks = new ArrayList<>();
        vm.path("disks").forEach(d -> disks.add(d.path("bytes").asLong()));
        assertThat(disks).containsExactlyElementsOf(allocatedPerQemuImg(docs.resolve("example-vm.ova")));
        long total = disks.stream().mapToLong(Long::longValue).sum();
        assertThat(vm.path("seconds").asLong()).isEqualTo((long) Math.ceil(total / (double) (1 << 20)));
        assertThat(out).doesNotExist();

        Cli.Run table = Cli.run("migrate", "-f", docs, "--dry-run");
        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains("COLD").contains("nothing was changed (dry run)");
    }
}
