package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.DiskFormat;
import io.vmlift.engine.FileStateStore;
import io.vmlift.engine.StateStore;
import io.vmlift.model.Serialization;
import io.vmlift.destination.manifests.ManifestsTarget;
import io.vmlift.destination.kubevirt.ConfigMapStateStore;
import io.vmlift.verify.ClusterVerifier;
import io.vmlift.verify.JUnitXml;
import io.vmlift.verify.ManifestsVerifier;
import io.vmlift.verify.TestReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "test", mixinStandardHelpOptions = true, description = {
    "Test the migrated VMs and write a report: JSON (--report) and JUnit XML (--junit).",
    "Exits 5 when a check fails, so a pipeline can gate the next wave on it."})
final class TestCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin PlanOptions plan;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "The folder 'vmlift migrate --output-dir' wrote to (default: test on the cluster).")
    Path outputDir;

    @Mixin ClusterOptions cluster;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "On a cluster: how long each VM may take to be Running and Ready (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(names = "--disk-format", paramLabel = "FORMAT", defaultValue = "qcow2",
            description = "The image format the migration wrote (default: ${DEFAULT-VALUE}).")
    DiskFormat diskFormat;

    @Option(names = "--verify-disks", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Compare each image's contents with the source disk, reading the source's allocated"
                    + " bytes again (default: on; --no-verify-disks skips it).")
    boolean verifyDisks;

    @Option(names = "--boot", description = "With --output-dir: boot each migrated VM with QEMU from its manifest"
            + " (overlays: the images are never written) and run the TestSuites in the documents against it.")
    boolean boot;

    @Option(names = "--junit", paramLabel = "FILE", description = "Write JUnit XML to FILE.")
    Path junitFile;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the JSON report to FILE.")
    Path reportFile;

    /**
     * Adds each TestSuite's checks to the VMs it names: on guests booted here with --boot; elsewhere they fail
     * saying why, since a suite that was asked for must not pass unrun.
     */
    private TestReport withSuites(TestReport report, io.vmlift.model.DocumentSet loaded,
            io.vmlift.plan.ResolvedPlan resolved, KubernetesClient client) throws java.io.IOException {
        List<io.vmlift.model.TestSuite> suites = loaded.ofType(io.vmlift.model.TestSuite.class).stream()
                .map(io.vmlift.model.Located::document)
                .filter(suite -> suite.spec().plan() == null || resolved.name().equals(suite.spec().plan().name()))
                .toList();
        if (suites.isEmpty()) {
            return report;
        }
        PrintWriter err = spec.commandLine().getErr();
        List<TestReport.VmResult> vms = new ArrayList<>();
        for (io.vmlift.plan.ResolvedPlan.TargetVm vm : resolved.vms()) {
            List<io.vmlift.model.TestSuite> mine = suites.stream().filter(suite -> suite.spec().vms() == null
                    || suite.spec().vms().isEmpty() || suite.spec().vms().contains(vm.name())
                    || suite.spec().vms().contains(vm.source().name())).toList();
            List<TestReport.Check> checks = new ArrayList<>(report.vms().stream()
                    .filter(v -> v.name().equals(vm.name())).findFirst().map(TestReport.VmResult::checks)
                    .orElse(List.of()));
            if (!mine.isEmpty() && client != null) {
                // On the cluster: the VM KubeVirt runs, reached through its subresources.
                try (io.vmlift.verify.ClusterGuest guest = new io.vmlift.verify.ClusterGuest(client,
                        resolved.targetNamespace(), vm.name())) {
                    checks.addAll(new io.vmlift.verify.SuiteChecks(guest, vm.source(), loaded::credentials).run(mine));
                }
            } else if (!mine.isEmpty() && boot) {
                java.util.Set<Integer> ports = new java.util.TreeSet<>();
                mine.forEach(suite -> ports.addAll(io.vmlift.verify.SuiteChecks.ports(suite)));
                Path folder = outputDir.resolve(resolved.targetNamespace()).resolve(vm.name());
                err.println(io.vmlift.Printable.oneLine(vm.name()) + ": booting with QEMU to run "
                        + mine.size() + " TestSuite(s)");
                err.flush();
                try (io.vmlift.verify.QemuGuest guest = io.vmlift.verify.QemuGuest.boot(folder, ports,
                        java.nio.file.Files.createTempDirectory("vmlift-boot-"))) {
                    err.println(io.vmlift.Printable.oneLine(vm.name()) + ": running under "
                            + io.vmlift.Printable.oneLine(guest.accelerator()));
                    err.flush();
                    checks.addAll(new io.vmlift.verify.SuiteChecks(guest, vm.source(), loaded::credentials).run(mine));
                }
            } else {
                checks.addAll(io.vmlift.verify.SuiteChecks.notRun(mine, "not run: add --boot to boot the migrated VM"
                        + " here"));
            }
            vms.add(new TestReport.VmResult(vm.name(), checks));
        }
        return new TestReport(report.plan(), vms);
    }

    @Override
    public Integer call() throws Exception {
        results.prepare();
        if (boot && outputDir == null) {
            throw VmliftException.badInput("--boot boots the VMs of a folder: give --output-dir (on a cluster the"
                    + " VMs are started by KubeVirt)");
        }
        io.vmlift.model.DocumentSet loaded = documents.load();
        try (PlanSession session = PlanSession.open(loaded, plan.name)) {
            TestReport report;
            if (outputDir != null) {
                ManifestsTarget target = new ManifestsTarget(outputDir, diskFormat);
                report = new ManifestsVerifier(session.plan, target,
                        FileStateStore.forPlan(outputDir, session.plan.name()).load(),
                        verifyDisks ? session.session.source : null).verify();
            } else {
                try (KubernetesClient client = session.connectDestination(cluster)) {
                    report = new ClusterVerifier(session.plan, client, new ConfigMapStateStore(client,
                            session.plan.targetNamespace(), session.plan.name()).load(),
                            Duration.ofSeconds(readyTimeoutSeconds), Duration.ofSeconds(2)).verify();
                    report = withSuites(report, loaded, session.plan, client);
                }
            }
            if (outputDir != null) {
                report = withSuites(report, loaded, session.plan, null);
            }
            if (junitFile != null) {
                Serialization.writeAtomically(junitFile, JUnitXml.write(report));
            }
            if (reportFile != null) {
                Serialization.writeAtomically(reportFile, Serialization.toJson(report));
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!output.printStructured(out, report)) {
                Table table = new Table("VM", "CHECK", "RESULT", "DETAIL");
                for (TestReport.VmResult vm : report.vms()) {
                    for (TestReport.Check check : vm.checks()) {
                        table.row(vm.name(), check.name(), check.passed() ? "PASS" : check.blocking() ? "FAIL" : "WARN",
                                check.passed() ? check.evidence() : check.message());
                    }
                }
                table.print(out);
                out.println("vmlift test: " + report.summary());
                out.flush();
            }
            results.write("test-summary", report.summary());
            results.write("test-passed", Boolean.toString(report.passed()));
            if (!report.passed()) {
                throw new VmliftException(ExitCode.FAILED, "plan '" + report.plan() + "': " + report.summary()
                        + " checks; see the FAIL lines");
            }
            return 0;
        }
    }
}
