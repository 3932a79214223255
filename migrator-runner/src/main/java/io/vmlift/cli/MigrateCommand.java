package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskFormat;
import io.vmlift.engine.MigrationEngine;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.Phase;
import io.vmlift.engine.StateStore;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "migrate", mixinStandardHelpOptions = true, description = {
    "Migrate the plan's VMs: power off the source, copy the disks, create the VMs.",
    "Rerunning the same plan finishes what a failed run left and skips what is done."})
final class MigrateCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.ParentCommand Vmlift root;

    @Mixin PlanOptions plan;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "Write manifests and disk images to DIR (the manifests target) instead of a cluster.")
    Path outputDir;

    @Mixin ClusterOptions cluster;
    @Mixin UploadProxyOptions uploadProxy;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long a started VM may take to become Ready on the cluster (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(names = "--disk-format", paramLabel = "FORMAT", defaultValue = "qcow2",
            description = "Image format in the output folder: qcow2 or raw (default: ${DEFAULT-VALUE}).")
    DiskFormat diskFormat;

    @Option(names = "--max-per-host", paramLabel = "N", defaultValue = "0",
            description = "VMs in flight at once from one source host; 0: no limit (default: ${DEFAULT-VALUE}).")
    int maxPerHost;

    @Option(names = "--max-per-datastore", paramLabel = "N", defaultValue = "0",
            description = "VMs in flight at once with disks on one datastore or storage domain; 0: no limit"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxPerDatastore;

    @Option(names = "--max-copy-rate", paramLabel = "MIB_PER_S", defaultValue = "0",
            description = "The rate at which all copies together may read source disks, MiB/s, to spare a datastore"
                    + " or link shared with production; 0: no limit (default: ${DEFAULT-VALUE}).")
    double maxCopyRateMiBs;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "20",
            description = "VMs migrated at once (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--power-off-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long a guest may take to shut down before it is powered off (default: ${DEFAULT-VALUE}).")
    long powerOffTimeoutSeconds;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (bars on a terminal, lines otherwise), bar, plain or none (default: ${DEFAULT-VALUE}).")
    ProgressPrinter.Mode progressMode;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between plain progress lines (default: ${DEFAULT-VALUE}).")
    long progressInterval;

    @Option(names = "--cutover", paramLabel = "TIME", description = "Warm plans: when to stop precopies and cut"
            + " over, as an ISO-8601 instant (2026-11-27T02:00:00Z); default: right after the first precopy.")
    Instant cutover;

    @Option(names = "--precopy-interval", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Warm plans: seconds between precopies until the cutover (default: ${DEFAULT-VALUE}).")
    long precopyIntervalSeconds;

    @Option(names = "--ignore-changes", description = "Migrate VMs whose CPU, memory, firmware, disks, NICs or"
            + " snapshots changed since the plan recorded them (VMChangedSincePlan becomes a Warning).")
    boolean ignoreChanges;

    @Option(names = "--runner-image", paramLabel = "IMAGE", defaultValue = io.vmlift.destination.kubevirt.ClusterTarget
            .Options.RUNNER_IMAGE, description = "Into a cluster, the image of the guest conversion pod: vmlift's"
            + " runner image, which carries virt-v2v (default: ${DEFAULT-VALUE}).")
    String runnerImage;

    @Option(names = "--dry-run", description = "Show each VM's itinerary, the bytes to copy and a time estimate;"
            + " change nothing at the source or the target.")
    boolean dryRun;

    @Option(names = "--throughput", paramLabel = "MIB_PER_S", defaultValue = "100",
            description = "Dry runs: the aggregate copy rate the estimate assumes, MiB/s (default: ${DEFAULT-VALUE}).")
    double throughputMiBs;

    @Override
    public Integer call() throws Exception {
        if (dryRun) {
            return dryRun();
        }
        if (maxInFlight < 1) {
            throw VmliftException.badInput("--max-in-flight must be at least 1");
        }
        if (!(maxCopyRateMiBs >= 0) || maxCopyRateMiBs > 1 << 30) {
            throw VmliftException.badInput("--max-copy-rate must be 0 (no limit) or a rate in MiB/s");
        }
        if (maxPerHost < 0 || maxPerDatastore < 0) {
            throw VmliftException.badInput("--max-per-host and --max-per-datastore must be 0 (no limit) or more");
        }
        if (progressInterval < 1) {
            throw VmliftException.badInput("--progress-interval must be at least 1 second");
        }
        if (precopyIntervalSeconds < 1) {
            throw VmliftException.badInput("--precopy-interval must be at least 1 second");
        }
        results.prepare();
        PrintWriter err = spec.commandLine().getErr();
        DocumentSet loaded = documents.load();
        try (PlanSession session = PlanSession.open(loaded, plan.name, ignoreChanges);
                Destination destination = outputDir != null
                        ? Destination.folder(outputDir, diskFormat, session.plan.name())
                        : Destination.cluster(cluster, uploadProxy, session)) {
            session.requireNotBlocked(err);
            if (outputDir != null && session.plan.vms().stream().anyMatch(ResolvedPlan.TargetVm::convertGuest)) {
                List<String> missing = io.vmlift.conversion.VirtV2vInPlace.missingTools();
                if (!missing.isEmpty()) {
                    throw VmliftException.badInput("plan '" + session.plan.name() + "' converts guests (annotation "
                            + io.vmlift.model.Plan.GUEST_CONVERSION + "), and this machine lacks " + missing);
                }
            }
            boolean uploads = session.plan.vms().stream().flatMap(vm -> vm.disks().stream())
                    .anyMatch(ResolvedPlan.TargetDisk::copiedByVmlift);
            if (session.plan.warm()) {
                requireWarmFits(session.plan.name(), uploads);
            }
            StateStore store = destination.store;
            MigrationState state;
            try (ProgressPrinter progress = new ProgressPrinter(err, progressMode, Duration.ofSeconds(progressInterval))) {
                MigrationEngine engine = new MigrationEngine(session.session.source, destination.target(uploads, runnerImage),
                        store, progress, new MigrationEngine.Options(maxInFlight, Duration.ofSeconds(powerOffTimeoutSeconds),
                                DiskCopier.defaultThreads(), Duration.ofSeconds(readyTimeoutSeconds),
                                new MigrationEngine.Warm(Duration.ofSeconds(precopyIntervalSeconds),
                                        cutoverOf(loaded, session)), io.vmlift.Backoff.DEFAULT,
                                new MigrationEngine.Limits(maxPerHost, maxPerDatastore,
                                        (long) (maxCopyRateMiBs * 1024 * 1024))), root.clock());
                state = runStoppable(engine, session.plan, store, err);
                if (state == null) {
                    return ExitCode.FAILED.code(); // stopped by a signal: its one line is said by the hook
                }
            }
            printSummary(state);
            results.write("plan-name", state.plan);
            results.write("migrated-vms", ResultsOptions.list(state.vms.stream()
                    .filter(v -> v.phase == Phase.Completed).map(v -> v.targetName).toList(), store.describe()));
            results.write("migration-status", state.phase.name());
            results.write("state-record", store.describe());
            if (!state.succeeded()) {
                List<MigrationState.VmState> failed = state.vms.stream().filter(v -> v.phase == Phase.Failed).toList();
                boolean allBadInput = failed.stream().allMatch(v -> v.error != null && v.error.badInput());
                String first = failed.isEmpty() || failed.get(0).error == null ? ""
                        : " (" + failed.get(0).name + ": " + failed.get(0).error.reasons().get(0) + ")";
                throw new VmliftException(allBadInput ? ExitCode.BAD_INPUT : ExitCode.FAILED, failed.size() + " of "
                        + state.vms.size() + " VM(s) failed" + first + "; see " + store.describe() + ", then rerun to resume");
            }
            return 0;
        }
    }

    /** The plan checked as migrate checks it, then shown instead of run: no target is connected or written. */
    private int dryRun() throws IOException {
        if (throughputMiBs <= 0) {
            throw VmliftException.badInput("--throughput must be more than 0 MiB/s");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (PlanSession session = PlanSession.open(documents.load(), plan.name, ignoreChanges)) {
            session.requireNotBlocked(err);
            DryRun run = DryRun.of(session.plan, session.session.source, throughputMiBs);
            if (!output.printStructured(spec.commandLine().getOut(), run)) {
                run.print(spec.commandLine().getOut());
            }
            results.write("plan-name", run.plan());
            results.write("bytes-to-copy", Long.toString(run.bytes()));
            return 0;
        }
    }

    /**
     * Runs the engine; a SIGTERM or Ctrl-C (a pipeline's timeout, a cancelled build) asks it to stop cleanly:
     * the steps in flight are rolled back, sources get their power back, the record is written, and one line
     * says so. Returns null when stopped that way.
     */
    private static MigrationState runStoppable(MigrationEngine engine, ResolvedPlan plan, StateStore store,
            PrintWriter err) throws IOException {
        Thread hook = new Thread(() -> {
            engine.stop("the process was asked to stop (SIGTERM or Ctrl-C)");
            try {
                boolean done = engine.awaitFinished(Duration.ofSeconds(60));
                err.println("vmlift: stopped by a signal; " + (done ? "the VMs in flight were rolled back and their"
                        + " sources' power restored; the record is in " : "rolling back took over 60 s; see ")
                        + store.describe() + "; rerun to resume");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.flush();
        }, "vmlift-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        MigrationState state = engine.run(plan);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return null; // the JVM is shutting down: the hook reports
        }
        return engine.stopRequested() ? null : state;
    }

    /** --cutover, else the cutover of a Migration document for the plan, else right after the first precopy. */
    private Instant cutoverOf(DocumentSet loaded, PlanSession session) {
        return cutover != null ? cutover : loaded.cutover(session.plan.plan()).orElse(Instant.EPOCH);
    }

    /**
     * Warm copies go one of two ways, each with its own target: CDI's checkpoints into a cluster (VDDK), or
     * vmlift writing the changed areas over raw images in a folder.
     */
    private void requireWarmFits(String planName, boolean copiedByVmlift) {
        if (outputDir == null && copiedByVmlift) {
            throw VmliftException.badInput("plan '" + planName + "' is warm into a cluster, where CDI copies the"
                    + " changes between snapshots: set vddkInitImage in the vSphere provider's settings");
        }
        if (outputDir != null && !copiedByVmlift) {
            throw VmliftException.badInput("plan '" + planName + "' is warm with vddkInitImage, which needs a"
                    + " cluster (CDI copies there): drop --output-dir, or drop vddkInitImage to copy with vmlift");
        }
        if (outputDir != null && diskFormat != DiskFormat.RAW) {
            throw VmliftException.badInput("plan '" + planName + "' is warm into a folder: vmlift writes the changes"
                    + " over the precopied images, which it does for raw images: add --disk-format raw");
        }
    }

    private void printSummary(MigrationState state) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.printStructured(out, state)) {
            return;
        }
        Table table = new Table("VM", "TARGET", "PHASE", "DISKS", "ERROR");
        for (MigrationState.VmState vm : state.vms) {
            long copied = vm.disks.stream().mapToLong(d -> d.copiedBytes).sum();
            table.row(vm.name, vm.targetName, vm.phase, vm.disks.size() + " (" + Sizes.human(copied) + " copied)",
                    vm.error == null ? "" : String.join("; ", vm.error.reasons()));
        }
        table.print(out);
    }
}
