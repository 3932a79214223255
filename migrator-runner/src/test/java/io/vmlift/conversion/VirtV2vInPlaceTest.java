package io.vmlift.conversion;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the virt-v2v runner that do not need virt-v2v: the guest's XML and the reading of its errors. */
class VirtV2vInPlaceTest {
    @Test
    void theDomainXmlNamesEachOverlayOnItsOwnSataTargetAndEscapesNames() {
        String xml = VirtV2vInPlace.domainXml(new VirtV2vInPlace.Guest("web <1> & 'db'", true, 2048, 2, List.of()),
                List.of(Path.of("/w/disk0.qcow2"), Path.of("/w/disk1.qcow2")));
        assertThat(xml).startsWith("<domain type='kvm'>").contains("<name>web &lt;1&gt; &amp; &apos;db&apos;</name>")
                .contains("<os firmware='efi'>").contains("<memory unit='MiB'>2048</memory>")
                .contains("<source file='/w/disk0.qcow2'/>").contains("<target dev='sda' bus='sata'/>")
                .contains("<source file='/w/disk1.qcow2'/>").contains("<target dev='sdb' bus='sata'/>");
        assertThat(VirtV2vInPlace.domainXml(new VirtV2vInPlace.Guest("bios", false, 0, 0, List.of()), List.of()))
                .contains("<os><type arch='x86_64'>hvm</type></os>").contains("<vcpu>1</vcpu>");
    }

    @Test
    void virtV2vsErrorBecomesOneLineWithoutItsBugReportingHint() {
        // As virt-v2v-in-place 2.2 prints a failed inspection on stderr (convert/inspect_source.ml).
        List<String> stderr = List.of("libguestfs: trace: something", "virt-v2v-in-place: error: inspection could not"
                + " detect the source guest (or physical machine).", "", "Assuming that you are running virt-v2v on"
                + " a source which is supported, then this should not happen.", "", "No root device found in this"
                + " operating system image.", "", "If reporting bugs, run virt-v2v-in-place with debugging enabled");
        assertThat(VirtV2vInPlace.errorOf(stderr)).isEqualTo("inspection could not detect the source guest (or"
                + " physical machine). Assuming that you are running virt-v2v on a source which is supported, then"
                + " this should not happen. No root device found in this operating system image.");
        assertThat(VirtV2vInPlace.errorOf(List.of("nbdkit is not installed"))).isEqualTo("nbdkit is not installed");
        assertThat(VirtV2vInPlace.errorOf(List.of())).isEqualTo("no message");
    }
}
