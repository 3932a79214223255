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

    @Option(names = "--junit", paramLabel = "FILE", description = "Write JUnit XML to FILE.")
    Path junitFile;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the JSON report to FILE.")
    Path reportFile;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        try (PlanSession session = PlanSession.open(documents.load(), plan.name)) {
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
                }
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
                        table.row(vm.name(), check.name(), check.passed() ? "PASS" : "FAIL", check.message());
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
