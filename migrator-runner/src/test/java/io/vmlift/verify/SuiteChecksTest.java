package io.vmlift.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.model.TestSuite;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.PowerState;
import io.vmlift.spi.Vm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checks' own rules, on a guest that answers as told (BootedGuestTest runs them on a real booted one): the
 * OS family the agent reports must be the source's, a guest that stopped fails every check at once with what
 * stopped it, and a warn check that fails does not fail the stage.
 */
class SuiteChecksTest {
    /** A guest whose console, agent and state the test sets. */
    private static final class Told implements GuestAccess {
        String console = "";
        JsonNode os;
        boolean running = true;

        @Override
        public String name() {
            return "told";
        }

        @Override
        public String console() {
            return console;
        }

        @Override
        public InetSocketAddress port(int guestPort) throws IOException {
            throw new IOException("no ports here");
        }

        @Override
        public JsonNode agentOsInfo() throws IOException {
            if (os == null) {
                throw new IOException("no guest agent answered");
            }
            return os;
        }

        String blockDevices = "";

        @Override
        public Run run(List<String> command, java.time.Duration timeout) throws IOException {
            if (os == null) {
                throw new IOException("no guest agent answered");
            }
            return new Run(0, blockDevices);
        }

        @Override
        public boolean running() {
            return running;
        }

        @Override
        public String whyStopped() {
            return "QEMU exited with 0: guest powered off";
        }

        @Override
        public void close() {}
    }

    private static TestSuite suite(String checks) throws IOException {
        return Serialization.yaml().readValue("""
                apiVersion: vmlift.io/v1alpha1
                kind: TestSuite
                metadata: {name: s}
                spec:
                  checks:
                """ + checks, TestSuite.class);
    }

    private static Vm linux() {
        return new Vm("vm-1", "web-1", 1, 1, 512, Firmware.BIOS, false, "rhel9_64Guest", PowerState.ON, "/dc/vm",
                List.of(), List.of(), null);
    }

    @Test
    void anAgentReportingAnotherOsFamilyThanTheSourceFails() throws IOException {
        Told guest = new Told();
        guest.os = Serialization.json().readTree("{\"id\": \"mswindows\", \"pretty-name\": \"Windows Server 2022\","
                + " \"kernel-release\": \"20348\"}");
        List<TestReport.Check> results = new SuiteChecks(guest, linux())
                .run(suite("  - {name: agent, type: guestAgent, timeout: 1s}\n"));

        assertThat(results).singleElement().satisfies(check -> {
            assertThat(check.passed()).isFalse();
            assertThat(check.evidence()).contains("Windows Server 2022").contains("but the source said rhel9_64Guest");
        });
    }

    /** A source disk the guest does not see (a bus without a driver, a disk left out) fails; loop devices do not count. */
    @Test
    void everySourceDiskMustAppearInTheGuestAtItsSize() throws IOException {
        Told guest = new Told();
        guest.os = Serialization.json().readTree("{\"id\": \"debian\"}");
        guest.blockDevices = "loop0 2097152\nsda 131072\nsr0 0\n";
        Vm twoDisks = new Vm("vm-1", "web-1", 1, 1, 512, Firmware.BIOS, false, "rhel9_64Guest", PowerState.ON,
                "/dc/vm", List.of(disk("d0", 64L << 20), disk("d1", 1L << 30)), List.of(), null);
        List<TestReport.Check> results = new SuiteChecks(guest, twoDisks)
                .run(suite("  - {name: disks, type: disks, timeout: 1s}\n"));
        assertThat(results.get(0).passed()).isFalse();
        assertThat(results.get(0).evidence()).contains("sda 67108864 bytes").doesNotContain("loop0")
                .contains("none of [1073741824 bytes]");

        guest.blockDevices = "sda 131072\nvda 2097152\n";
        assertThat(new SuiteChecks(guest, twoDisks).run(suite("  - {name: disks, type: disks, timeout: 1s}\n"))
                .get(0).passed()).isTrue();
    }

    private static io.vmlift.spi.Disk disk(String key, long capacity) {
        return io.vmlift.spi.Disk.ofImage(key, key, capacity, "share", key + ".vmdk", io.vmlift.spi.DiskBus.SCSI,
                "vmdk-stream");
    }

    @Test
    void aStoppedGuestFailsAtOnceSayingWhyAndAWarnFailureDoesNotBlock() throws IOException {
        Told guest = new Told();
        guest.running = false;
        long start = System.nanoTime();
        List<TestReport.Check> results = new SuiteChecks(guest, linux()).run(suite("""
                  - {name: boots, type: console, expect: "login:", timeout: 300s}
                  - {name: agent, type: guestAgent, severity: warn}
                """));

        assertThat(System.nanoTime() - start).as("no waiting for a guest that is gone").isLessThan(10_000_000_000L);
        assertThat(results.get(0).message()).contains("guest powered off").contains("the console printed nothing");
        TestReport report = new TestReport("p", List.of(new TestReport.VmResult("web-1", results)));
        assertThat(report.failedCount()).isEqualTo(1);
        assertThat(report.warningCount()).isEqualTo(1);
        assertThat(report.summary()).isEqualTo("0 passed, 1 failed, 1 warning");
        assertThat(JUnitXml.write(report)).contains("warning: ").containsOnlyOnce("<failure");
    }
}
