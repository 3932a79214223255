package io.vmlift.engine;

import io.vmlift.spi.PowerState;
import io.vmlift.Backoff;
import io.vmlift.ExitCode;
import io.vmlift.TransientIOException;
import io.vmlift.VmliftException;
import io.vmlift.disk.CorruptImageException;
import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.disk.Extent;
import io.vmlift.spi.Concern;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.spi.PowerControl;
import io.vmlift.source.SourceDisk;
import io.vmlift.spi.ChangeTracking;
import io.vmlift.spi.Snapshots;
import io.vmlift.source.SourceProvider;
import io.vmlift.destination.InClusterTransfers;
import io.vmlift.destination.MigrationTarget;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a resolved plan VM by VM through the cold phases, recording each step in the state record so that a
 * rerun finishes what is missing and does nothing twice. On a VM's failure the source gets its power state
 * back and, unless the plan keeps failed VMs, what was made on the target is removed.
 */
public final class MigrationEngine {
    /**
     * @param warm when precopies stop and the cutover starts (warm plans only)
     */
    public record Options(int maxInFlight, Duration powerOffTimeout, int copyThreads, Duration readyTimeout,
            Warm warm, Backoff retries, Limits limits) {
        public Options(int maxInFlight, Duration powerOffTimeout, int copyThreads, Duration readyTimeout) {
            this(maxInFlight, powerOffTimeout, copyThreads, readyTimeout, Warm.CUT_OVER_AT_ONCE);
        }

        public Options(int maxInFlight, Duration powerOffTimeout, int copyThreads, Duration readyTimeout, Warm warm) {
            this(maxInFlight, powerOffTimeout, copyThreads, readyTimeout, warm, Backoff.DEFAULT);
        }

        public Options(int maxInFlight, Duration powerOffTimeout, int copyThreads, Duration readyTimeout, Warm warm,
                Backoff retries) {
            this(maxInFlight, powerOffTimeout, copyThreads, readyTimeout, warm, retries, Limits.NONE);
        }
    }

    /**
     * How many VMs may be in flight at once on one source host, and with disks on one datastore (0: no limit
     * beyond maxInFlight): a host's NFC connections and a datastore's I/O are shared by every VM on them. And the
     * aggregate rate at which vmlift copies disks, bytes per second (0: no limit).
     */
    public record Limits(int perHost, int perDatastore, long copyBytesPerSecond) {
        public static final Limits NONE = new Limits(0, 0, 0);

        public Limits(int perHost, int perDatastore) {
            this(perHost, perDatastore, 0);
        }
    }

    /**
     * Warm migration's schedule, as Forklift's Migration has it: precopies every interval until the cutover time,
     * then the cutover (power off, final snapshot, final copy).
     */
    public record Warm(Duration precopyInterval, Instant cutover) {
        /** One precopy, then the cutover. */
        public static final Warm CUT_OVER_AT_ONCE = new Warm(Duration.ofHours(1), Instant.EPOCH);
    }

    private static final long SAVE_INTERVAL_NANOS = 10_000_000_000L;
    /** How often a wait looks for a stop request. */
    private static final Duration STOP_CHECK = Duration.ofMillis(500);

    private final SourceProvider source;
    private final MigrationTarget target;
    private final StateStore store;
    private final ProgressListener progress;
    private final Options options;
    private final EngineClock clock;
    private final io.vmlift.disk.CopyRate copyRate;
    private volatile String stopReason;
    /** The run's state record's one writer, set before any VM's work starts. */
    private StateWriter record;
    private final Map<MigrationState.VmState, VmRun> runs = new java.util.concurrent.ConcurrentHashMap<>();
    /** VMs found running in this run: a copy checkpoint of theirs from an earlier run is not resumed. */
    private final Set<MigrationState.VmState> sourceRan = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    public MigrationEngine(SourceProvider source, MigrationTarget target, StateStore store, ProgressListener progress,
            Options options) {
        this(source, target, store, progress, options, EngineClock.SYSTEM);
    }

    public MigrationEngine(SourceProvider source, MigrationTarget target, StateStore store, ProgressListener progress,
            Options options, EngineClock clock) {
        this.source = source;
        this.target = target;
        this.store = store;
        this.progress = progress;
        this.options = options;
        this.clock = clock;
        this.copyRate = new io.vmlift.disk.CopyRate(options.limits().copyBytesPerSecond());
    }

    /** Runs the plan, holding its lock on this target for the whole run. */
    public MigrationState run(ResolvedPlan plan) throws IOException {
        try (StateStore.Lock held = store.lock()) {
            return runLocked(plan);
        } finally {
            finished.countDown();
        }
    }

    /**
     * Asks the run to stop (SIGTERM, Ctrl-C): each VM's step in flight ends at its next chunk or phase and is
     * rolled back as a failure (the source gets its power back), VMs not started are recorded as stopped, and
     * the record is written. A VM whose last step already finished completes.
     */
    public void stop(String reason) {
        stopReason = reason;
    }

    public boolean stopRequested() {
        return stopReason != null;
    }

    /** Waits until run() has returned (after stop(), once everything was rolled back and recorded). */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void checkStopped() {
        if (stopReason != null) {
            throw new Stopped(stopReason);
        }
    }

    /** A stop request, raised where the work can end cleanly. */
    private static final class Stopped extends RuntimeException {
        Stopped(String reason) {
            super("stopped: " + reason + "; rerun to resume");
        }
    }

    /** Sleeps until the given time, but no longer than a stop request lets it. */
    private void sleepUntil(Instant wake) throws InterruptedException {
        for (Instant now; (now = clock.now()).isBefore(wake); ) {
            checkStopped();
            Duration left = Duration.between(now, wake);
            clock.sleep(left.compareTo(STOP_CHECK) < 0 ? left : STOP_CHECK);
        }
    }

    private MigrationState runLocked(ResolvedPlan plan) throws IOException {
        MigrationState loaded = store.load();
        MigrationState state = loaded == null || !plan.name().equals(loaded.plan) ? new MigrationState() : loaded;
        String target = this.target.describe();
        Instant started = clock.now();
        try (StateWriter writer = new StateWriter(state, store)) {
            record = writer;
            Map<ResolvedPlan.TargetVm, MigrationState.VmState> vmStates = new java.util.LinkedHashMap<>();
            record.change(s -> {
                s.plan = plan.name();
                s.target = target;
                s.started = started.toString();
                s.completed = null;
                s.phase = PlanPhase.Running;
                // The record describes the plan as it is now: a VM taken out of the plan no longer counts.
                Set<String> planned = new HashSet<>();
                plan.vms().forEach(vm -> planned.add(vm.source().id()));
                s.vms.removeIf(vm -> !planned.contains(vm.id));
                plan.vms().forEach(vm -> vmStates.put(vm, vmState(s, vm)));
            });
            List<Runnable> work = new ArrayList<>();
            for (ResolvedPlan.TargetVm vm : plan.vms()) {
                MigrationState.VmState vmState = vmStates.get(vm);
                if (vmState.phase == Phase.Completed && this.target.vmExists(plan, vm)
                        && disksStillComplete(plan, vm, vmState)) {
                    progress.phase(vm.name(), Phase.Completed, "already migrated, nothing to do");
                    continue;
                }
                work.add(() -> withinLimits(vm, () -> migrate(plan, vm, vmState)));
            }
            try {
                runAll(work);
            } finally {
                // Also when something escaped a VM's work: the record says how the run ended.
                Instant completed = clock.now();
                record.post(s -> {
                    s.phase = s.succeeded() ? PlanPhase.Succeeded : PlanPhase.Failed;
                    s.completed = completed.toString();
                }, true);
            }
        }
        return state;
    }

    /** A rerun trusts what it finds, not only what the record says: every disk must still be as it completed. */
    private boolean disksStillComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState)
            throws IOException {
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            if (!stillComplete(plan, vm, disk, vmState.disks.get(disk.index()))) {
                progress.phase(vm.name(), vmState.phase, disk.dataVolumeName() + " is missing or changed on the"
                        + " target: migrating it again");
                return false;
            }
        }
        return true;
    }

    private boolean stillComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            MigrationState.DiskState diskState) throws IOException {
        if (!diskState.completed || !target.diskComplete(plan, vm, disk)) {
            return false;
        }
        // No digest: a record written before digests, or a target that keeps its own proof.
        return diskState.digest == null || diskState.digest.equals(target.storedDigest(plan, vm, disk));
    }

    private MigrationState.VmState vmState(MigrationState state, ResolvedPlan.TargetVm vm) {
        MigrationState.VmState vmState = state.vm(vm.source().id());
        if (vmState == null) {
            vmState = new MigrationState.VmState();
            vmState.id = vm.source().id();
            state.vms.add(vmState);
        }
        vmState.name = vm.source().name();
        vmState.targetName = vm.name();
        if (vmState.disks.size() != vm.disks().size()) {
            vmState.disks = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                MigrationState.DiskState diskState = new MigrationState.DiskState();
                diskState.name = disk.source().name();
                diskState.dataVolume = disk.dataVolumeName();
                diskState.capacityBytes = disk.source().capacityBytes();
                vmState.disks.add(diskState);
            }
        }
        return vmState;
    }

    private final Map<String, java.util.concurrent.Semaphore> permits = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Runs a VM's work once its source host and every datastore its disks are on have room (Limits), taking
     * the permits in one order (host, then datastores sorted) so that two VMs never wait on each other.
     */
    private void withinLimits(ResolvedPlan.TargetVm vm, Runnable work) {
        List<java.util.concurrent.Semaphore> held = new ArrayList<>();
        try {
            String host = vm.source().details() == null ? null : vm.source().details().host();
            if (options.limits().perHost() > 0 && host != null) {
                held.add(permit("host " + host, options.limits().perHost()));
            }
            if (options.limits().perDatastore() > 0) {
                for (String datastore : new TreeSet<>(vm.source().disks().stream()
                        .map(io.vmlift.spi.Disk::storageId).filter(Objects::nonNull).toList())) {
                    held.add(permit("datastore " + datastore, options.limits().perDatastore()));
                }
            }
            work.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            held.forEach(java.util.concurrent.Semaphore::release);
        }
    }

    private java.util.concurrent.Semaphore permit(String key, int limit) throws InterruptedException {
        java.util.concurrent.Semaphore semaphore = permits.computeIfAbsent(key,
                k -> new java.util.concurrent.Semaphore(limit, true));
        semaphore.acquire();
        return semaphore;
    }

    /**
     * Runs every VM's work and waits for all of it, also when one escapes with an error: no VM is abandoned
     * half-way with its source off. The first escaped error is thrown once all are done.
     */
    private void runAll(List<Runnable> work) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(options.maxInFlight(), work.size() + 1)));
        Throwable first = null;
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable task : work) {
                futures.add(pool.submit(task));
            }
            for (Future<?> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    first = first == null ? e.getCause() : first;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("migration interrupted");
        } finally {
            pool.shutdown(); // never interrupt a VM's work: interrupted reads close shared channels
        }
        // migrate() records a VM's own failures; what escapes is about the run (the state record cannot be
        // saved) or a bug.
        if (first instanceof VmliftException vmlift) {
            throw vmlift;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    /**
     * One VM's run through its itinerary: the stepper enters each step the table gives, runs its handler, and
     * goes where the handler says or, by default, to the next step whose condition holds.
     */
    final class VmRun {
        final ResolvedPlan plan;
        final ResolvedPlan.TargetVm vm;
        final MigrationState.VmState state;
        final Itinerary itinerary;
        /** The step the stepper is in; enter() refuses any other. */
        Phase current;
        /** The DataVolumes (or images) were made in this run: later warm precopies add checkpoints instead. */
        boolean disksMade;
        /** The source's power state as StorePowerState found it. */
        PowerState found;

        VmRun(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState state) {
            this.plan = plan;
            this.vm = vm;
            this.state = state;
            this.itinerary = Itinerary.of(plan, vm);
        }

        boolean firstPrecopy() {
            return !disksMade;
        }

        boolean laterPrecopy() {
            return disksMade;
        }

        boolean olderSnapshots() {
            return state.snapshots.size() > 1;
        }

        boolean beforeCutover() {
            return clock.now().isBefore(options.warm().cutover());
        }

        boolean convertsGuest() {
            return vm.convertGuest();
        }
    }

    /** The stepper: from the itinerary's first step to Completed; a failure anywhere is rolled back by fail(). */
    private void migrate(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState) {
        VmRun run = new VmRun(plan, vm, vmState);
        runs.put(vmState, run);
        Instant started = clock.now();
        record.change(s -> {
            vmState.error = null;
            vmState.started = started.toString();
            vmState.completed = null;
            // A rerun starts a warm copy afresh: the DataVolumes of a failed run were removed, or are adopted.
            vmState.checkpoints.clear();
        });
        try {
            Phase phase = run.itinerary.first();
            while (phase != null) {
                run.current = phase;
                Itinerary.Step step = run.itinerary.step(phase);
                Phase jump = step.handler().run(this, run);
                phase = jump != null ? jump : run.itinerary.next(phase, run);
            }
        } catch (Exception e) {
            fail(plan, vm, vmState, e);
        } catch (Error e) {
            // A bug or an exhausted JVM: still give the source its power back and record the VM as failed.
            fail(plan, vm, vmState, new IOException("internal error: " + e, e));
            throw e;
        }
    }

    // The step handlers. Each enters its phase (with what it is about to do), does the step, and returns where to
    // go next, or null for the itinerary's next step.

    Phase validate(VmRun run) throws IOException {
        enter(run.state, Phase.Validate, "");
        List<String> blocking = source.validate(run.vm.source()).stream().filter(Concern::blocks)
                .map(Concern::oneLine).toList();
        if (!blocking.isEmpty()) {
            throw new IOException("the source VM has changed since the plan was checked: "
                    + String.join("; ", blocking));
        }
        return null;
    }

    Phase storePowerState(VmRun run) throws IOException {
        enter(run.state, Phase.StorePowerState, "");
        PowerState before = source.power().state(run.vm.source());
        run.found = before;
        if (before == PowerState.ON) {
            // It runs now, so its disks may differ from what an interrupted earlier run copied: copy afresh.
            sourceRan.add(run.state);
        }
        record.change(s -> {
            if (run.state.restorePowerState == null) {
                run.state.restorePowerState = before;
            }
        });
        return null;
    }

    Phase powerOffSource(VmRun run) throws IOException {
        enter(run.state, Phase.PowerOffSource, "source was " + run.state.restorePowerState);
        if (run.found == PowerState.ON) {
            record.change(s -> run.state.poweredOffByVmlift = true); // on record before the source goes off
            source.power().powerOff(run.vm.source(), options.powerOffTimeout());
        }
        return null;
    }

    /** A snapshot of the running VM (warm), the next checkpoint; by changes, also each disk's CBT change id. */
    Phase createSnapshot(VmRun run) throws IOException {
        takeSnapshot(run, Phase.CreateSnapshot);
        if (run.itinerary == Itinerary.WARM_BY_CHANGES) {
            ChangeTracking tracking = source.changeTracking().orElseThrow();
            String snapshot = run.state.checkpoints.get(0);
            List<String> changeIds = new ArrayList<>();
            for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
                changeIds.add(tracking.changeId(run.vm.source(), snapshot, disk.source()));
            }
            record.change(s -> {
                for (int i = 0; i < changeIds.size(); i++) {
                    run.state.disks.get(i).changeId = changeIds.get(i);
                }
            });
        }
        return null;
    }

    Phase createFinalSnapshot(VmRun run) throws IOException {
        takeSnapshot(run, Phase.CreateFinalSnapshot);
        return null;
    }

    Phase createDataVolumes(VmRun run) throws IOException {
        enter(run.state, Phase.CreateDataVolumes, target.describe());
        putTransferSecrets(run.plan, run.vm);
        target.createDisks(run.plan, run.vm, run.itinerary == Itinerary.WARM_CDI
                ? List.copyOf(run.state.checkpoints) : List.of());
        run.disksMade = true;
        return null;
    }

    Phase addCheckpoint(VmRun run) throws IOException {
        enter(run.state, Phase.AddCheckpoint, "checkpoint " + run.state.checkpoints.size());
        warmImports().setCheckpoints(run.plan, run.vm, List.copyOf(run.state.checkpoints), false);
        return null;
    }

    Phase addFinalCheckpoint(VmRun run) throws IOException {
        enter(run.state, Phase.AddFinalCheckpoint, "checkpoint " + run.state.checkpoints.size());
        warmImports().setCheckpoints(run.plan, run.vm, List.copyOf(run.state.checkpoints), true);
        return null;
    }

    /** Waits for CDI to copy the newest checkpoint of every disk (a warm precopy). */
    Phase awaitCheckpoint(VmRun run) throws IOException {
        awaitCheckpoint(run, Phase.CopyDisks);
        return null;
    }

    /** The cutover's last checkpoint: once CDI has copied it, every disk is complete. */
    Phase awaitFinalCheckpoint(VmRun run) throws IOException {
        awaitCheckpoint(run, Phase.Finalize);
        record.change(s -> run.state.disks.forEach(d -> d.completed = true));
        return null;
    }

    private void awaitCheckpoint(VmRun run, Phase phase) throws IOException {
        enter(run.state, phase, "checkpoint " + run.state.checkpoints.size() + ", " + run.vm.disks().size()
                + " disk(s)");
        for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
            awaitTransfer(run.plan, run.vm, disk, run.state.disks.get(disk.index()), false);
        }
    }

    /** Between precopies: until the next one is due, or the cutover; then another precopy unless it is time. */
    Phase pauseBetweenPrecopies(VmRun run) throws InterruptedException {
        Instant next = clock.now().plus(options.warm().precopyInterval());
        Instant cutover = options.warm().cutover();
        Instant wake = run.itinerary == Itinerary.WARM_CDI && next.isBefore(cutover) ? next : cutover;
        enter(run.state, Phase.CopyingPaused, (wake.equals(cutover) ? "cutover at " : "next precopy at ") + wake);
        sleepUntil(wake);
        return run.itinerary == Itinerary.WARM_CDI && run.beforeCutover() ? Phase.CreateSnapshot : null;
    }

    /** Removes all but the newest of vmlift's snapshots: the next checkpoint starts from the newest. */
    Phase removePreviousSnapshots(VmRun run) throws IOException {
        removeSnapshots(run, Phase.RemovePreviousSnapshot, 1);
        return null;
    }

    /** By changes: the precopy's snapshot goes before the changes since it are read from the disks. */
    Phase removePrecopySnapshot(VmRun run) throws IOException {
        removeSnapshots(run, Phase.RemovePreviousSnapshot, 0);
        return null;
    }

    Phase removeFinalSnapshots(VmRun run) throws IOException {
        removeSnapshots(run, Phase.RemoveFinalSnapshot, 0);
        return null;
    }

    private void removeSnapshots(VmRun run, Phase phase, int keep) throws IOException {
        Snapshots snapshots = source.snapshots().orElseThrow(); // the itinerary is warm only where it has them
        while (run.state.snapshots.size() > keep) {
            String oldest = run.state.snapshots.get(0);
            enter(run.state, phase, oldest);
            snapshots.remove(run.vm.source(), oldest);
            record.change(s -> run.state.snapshots.remove(0));
        }
    }

    private void takeSnapshot(VmRun run, Phase phase) throws IOException {
        String name = "vmlift-" + run.plan.name() + "-" + (run.state.checkpoints.size() + 1);
        enter(run.state, phase, name);
        String id = source.snapshots().orElseThrow().create(run.vm.source(), name);
        record.change(s -> {
            run.state.checkpoints.add(id);
            run.state.snapshots.add(id);
        });
    }

    /**
     * Copies every disk vmlift moves itself, and follows those CDI copies from the source. A copy checkpoint of
     * an earlier run is only good while the disks stayed as they were: cold, and the source not found running
     * since (a warm precopy reads a new snapshot each run).
     */
    Phase copyDisks(VmRun run) throws IOException {
        enter(run.state, Phase.CopyDisks, run.vm.disks().size() + " disk(s)");
        List<SourceDisk> sourceDisks = source.disks(run.vm.source());
        boolean resumable = run.itinerary == Itinerary.COLD && !sourceRan.contains(run.state);
        for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
            MigrationState.DiskState diskState = run.state.disks.get(disk.index());
            if (disk.copiedByVmlift()) {
                copyDisk(run.plan, run.vm, disk, sourceDisks.get(disk.index()), diskState, resumable);
            } else {
                awaitTransfer(run.plan, run.vm, disk, diskState, true);
            }
        }
        return null;
    }

    /**
     * Warm by changes, at the cutover: with the VM off and the snapshot gone, only the areas CBT says changed
     * since the precopy are copied over the precopied images.
     */
    Phase applyChanges(VmRun run) throws IOException {
        enter(run.state, Phase.Finalize, "the changes since the precopy");
        ChangeTracking tracking = source.changeTracking().orElseThrow();
        io.vmlift.destination.ChangeWriter writer = target.changeWriter().orElseThrow(() -> new IOException(
                target.describe() + " cannot take a warm migration's changes (a raw image can)"));
        List<SourceDisk> sourceDisks = source.disks(run.vm.source());
        for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
            MigrationState.DiskState diskState = run.state.disks.get(disk.index());
            List<Extent> changed = tracking.changedSince(run.vm.source(), disk.source(), diskState.changeId);
            long bytes = changed.stream().mapToLong(Extent::length).sum();
            progress.copyStarted(run.vm.name(), disk.dataVolumeName(), bytes);
            boolean copied = false;
            try (DiskImage image = sourceDisks.get(disk.index()).open()) {
                writer.applyChanges(run.plan, run.vm, disk, image, changed,
                        n -> progress.copied(run.vm.name(), disk.dataVolumeName(), n));
                copied = true;
            } finally {
                progress.copyFinished(run.vm.name(), disk.dataVolumeName(), copied);
            }
        }
        return null;
    }

    /**
     * virt-v2v converts the copied disks; a rerun whose disks were not copied again keeps the conversion it
     * recorded. The disks' digests are taken again, so that a rerun knows the converted disks as complete.
     */
    Phase convertGuest(VmRun run) throws IOException, InterruptedException {
        if (run.state.conversion != null) {
            enter(run.state, Phase.ConvertGuest, "already converted");
            return null;
        }
        enter(run.state, Phase.ConvertGuest, "virt-v2v");
        io.vmlift.destination.GuestConverter converter = target.guestConverter().orElseThrow(() -> new IOException(
                target.describe() + " cannot convert guests yet: migrate into a folder (--output-dir), or drop the"
                + " annotation " + io.vmlift.model.Plan.GUEST_CONVERSION));
        io.vmlift.conversion.ConversionReport report = converter.convert(run.plan, run.vm,
                line -> progress.phase(run.vm.name(), Phase.ConvertGuest, line), this::stopRequested);
        List<String> digests = new ArrayList<>();
        for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
            digests.add(target.storedDigest(run.plan, run.vm, disk));
        }
        record.change(s -> {
            for (int i = 0; i < digests.size(); i++) {
                run.state.disks.get(i).digest = digests.get(i);
            }
            run.state.conversion = new MigrationState.Conversion(report.tool(), report.seconds(), report.warnings(),
                    report.notes(), report.virtioDrivers());
        });
        progress.phase(run.vm.name(), Phase.ConvertGuest, "converted in " + report.seconds() + " s"
                + (report.warnings().isEmpty() ? "" : "; " + report.warnings().size() + " warning(s): "
                + String.join("; ", report.warnings())));
        return null;
    }

    Phase createVm(VmRun run) throws IOException {
        enter(run.state, Phase.CreateVM, "");
        target.createVm(run.plan, run.vm);
        return null;
    }

    Phase waitForVm(VmRun run) throws IOException {
        enter(run.state, Phase.WaitForVM, "");
        target.waitForVm(run.plan, run.vm, options.readyTimeout());
        return null;
    }

    /**
     * Records each disk's digest as the VM completes, where the copy recorded none or a warm cutover has since
     * written changes over the precopied image. A digest reads the whole image: one the copy recorded stands.
     */
    Phase complete(VmRun run) throws IOException {
        List<String> digests = new ArrayList<>();
        for (ResolvedPlan.TargetDisk disk : run.vm.disks()) {
            String recorded = run.state.disks.get(disk.index()).digest;
            digests.add(recorded != null && run.itinerary != Itinerary.WARM_BY_CHANGES ? recorded
                    : target.storedDigest(run.plan, run.vm, disk));
        }
        Instant completed = clock.now();
        record.change(s -> {
            for (int i = 0; i < digests.size(); i++) {
                run.state.disks.get(i).digest = digests.get(i);
            }
            run.state.completed = completed.toString();
        });
        enter(run.state, Phase.Completed, "");
        return null;
    }

    /**
     * The Secret and ConfigMap that in-cluster transfers name. A folder gets neither: secrets never go into files,
     * and the user creates both on the cluster before applying the manifests.
     */
    private void putTransferSecrets(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        InClusterTransfers transfers = target.inClusterTransfers().orElse(null);
        if (transfers == null) {
            return;
        }
        Set<String> secrets = new TreeSet<>();
        vm.disks().stream().map(d -> d.transfer().secretRef()).filter(Objects::nonNull).forEach(secrets::add);
        for (String secret : secrets) {
            transfers.putTransferSecret(plan, secret, source.transferSecretData());
        }
        Set<String> configMaps = new TreeSet<>();
        vm.disks().stream().map(d -> d.transfer().certConfigMap()).filter(Objects::nonNull).forEach(configMaps::add);
        for (String configMap : configMaps) {
            transfers.putTransferConfigMap(plan, configMap, Map.of("ca.pem", source.transferCertificate()));
        }
    }

    private void copyDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            SourceDisk sourceDisk, MigrationState.DiskState diskState, boolean resumable) throws IOException {
        if (stillComplete(plan, vm, disk, diskState)) {
            progress.phase(vm.name(), Phase.CopyDisks, disk.dataVolumeName() + " already copied");
            return;
        }
        record.change(s -> {
            diskState.completed = false;
            diskState.digest = null;
            s.vm(vm.source().id()).conversion = null; // the bytes come again unconverted
        });
        Backoff retries = options.retries();
        String written;
        for (int attempt = 1; ; attempt++) {
            try {
                written = copyOnce(plan, vm, disk, sourceDisk, diskState, resumable);
                break;
            } catch (TransientIOException e) {
                if (attempt >= retries.attempts()) {
                    throw new IOException(e.getMessage() + " (gave up after " + attempt + " attempts)", e);
                }
                Duration wait = retries.delay(attempt);
                progress.phase(vm.name(), Phase.CopyDisks, disk.dataVolumeName() + ": " + e.getMessage()
                        + "; attempt " + (attempt + 1) + " of " + retries.attempts() + " in " + wait.toMillis() + " ms");
                try {
                    sleepUntil(clock.now().plus(wait));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to retry");
                }
            }
        }
        // What the copy wrote, as the target stores it: known from the writes, else read back.
        String digest = written != null ? written : target.storedDigest(plan, vm, disk);
        record.change(s -> {
            diskState.completed = true;
            diskState.digest = digest;
        });
    }

    /**
     * One attempt at copying a disk; a transient failure is tried again by the caller. Returns the written file's
     * digest when the target could tell it from the writes, else null.
     */
    private String copyOnce(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            SourceDisk sourceDisk, MigrationState.DiskState diskState, boolean resumable) throws IOException {
        try (DiskImage image = sourceDisk.open()) {
            DiskImages.requireFits(image, disk.source().capacityBytes(), disk.source().name());
            long planned = DiskCopier.plannedBytes(image);
            record.change(s -> {
                diskState.copiedBytes = 0;
                diskState.allocatedBytes = planned;
            });
            progress.copyStarted(vm.name(), disk.dataVolumeName(), planned);
            boolean copied = false;
            CopiedBytes counted = new CopiedBytes(diskState);
            DiskCopier copier = new DiskCopier(options.copyThreads()).resuming(resumable).pacedBy(copyRate);
            try {
                DiskCopier.Result result = target.copyDisk(plan, vm, disk, image, copier, bytes -> {
                    checkStopped(); // ends the copy at its next chunk
                    counted.add(bytes);
                    progress.copied(vm.name(), disk.dataVolumeName(), bytes);
                });
                if (result.resumedBytes() > 0) {
                    progress.phase(vm.name(), Phase.CopyDisks, disk.dataVolumeName() + " resumed from its checkpoint: "
                            + result.resumedBytes() + " of " + result.allocatedBytes()
                            + " bytes had been copied by an interrupted run");
                }
                copied = true;
                return result.fileDigest();
            } finally {
                counted.post(true);
                progress.copyFinished(vm.name(), disk.dataVolumeName(), copied);
            }
        }
    }

    /**
     * The bytes a copy has done, counted by the copy threads and handed to the record's writer now and then,
     * so that `vmlift status` elsewhere shows them moving without a save per chunk.
     */
    private final class CopiedBytes {
        private final MigrationState.DiskState disk;
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong lastPost = new AtomicLong(System.nanoTime());

        CopiedBytes(MigrationState.DiskState disk) {
            this.disk = disk;
        }

        void add(long bytes) {
            total.addAndGet(bytes);
            long now = System.nanoTime();
            long last = lastPost.get();
            if (now - last > SAVE_INTERVAL_NANOS && lastPost.compareAndSet(last, now)) {
                post(true);
            }
        }

        /** Raises the recorded count to this one; the writer saves it with the next save, or now. */
        void post(boolean save) {
            long copied = total.get();
            record.post(s -> disk.copiedBytes = Math.max(disk.copiedBytes, copied), save);
        }

        long total() {
            return total.get();
        }
    }

    /** A disk CDI copies from the source itself: vmlift follows the DataVolume's progress. */
    private void awaitTransfer(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            MigrationState.DiskState diskState, boolean completes) throws IOException {
        if (completes && stillComplete(plan, vm, disk, diskState)) {
            progress.phase(vm.name(), Phase.CopyDisks, disk.dataVolumeName() + " already copied");
            return;
        }
        InClusterTransfers transfers = target.inClusterTransfers().orElse(null);
        if (transfers == null) {
            progress.phase(vm.name(), Phase.CopyDisks, disk.dataVolumeName() + ": CDI copies it from the source"
                    + " when the manifests are applied");
            record.change(s -> diskState.completed = completes);
            return;
        }
        long capacity = disk.source().capacityBytes();
        record.change(s -> {
            diskState.allocatedBytes = capacity;
            diskState.copiedBytes = 0;
        });
        progress.copyStarted(vm.name(), disk.dataVolumeName(), capacity);
        boolean copied = false;
        CopiedBytes counted = new CopiedBytes(diskState);
        try {
            transfers.awaitTransfer(plan, vm, disk, percent -> {
                checkStopped();
                long delta;
                synchronized (counted) { // CDI's percentages may repeat; only progress counts
                    delta = Math.max(0, capacity * percent / 100 - counted.total());
                    counted.add(delta);
                }
                progress.copied(vm.name(), disk.dataVolumeName(), delta);
            });
            copied = true;
        } finally {
            counted.post(false);
            progress.copyFinished(vm.name(), disk.dataVolumeName(), copied);
        }
        record.change(s -> diskState.completed = completes);
    }

    /** Warm migration with CDI's multi-stage imports, which only a cluster has (the plan checks it first). */
    private InClusterTransfers warmImports() throws IOException {
        return target.inClusterTransfers().orElseThrow(() -> new IOException(
                "warm migration needs a cluster: CDI copies the changes between snapshots"));
    }

    private void fail(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState, Exception error) {
        List<String> reasons = new ArrayList<>();
        String reason = error.getMessage() == null ? error.toString() : error.getMessage();
        // Keep the record small (it may live in a ConfigMap) and each reason one line.
        reason = reason.lines().findFirst().orElse(reason);
        reasons.add(reason.length() > 500 ? reason.substring(0, 500) + "..." : reason);
        // What the source and the target were given back is recorded in one change at the end: the source's
        // power comes first, also when the record cannot be saved any more.
        SourceRestore.Outcome restored = SourceRestore.restore(source, vm.source(), vmState);
        reasons.addAll(restored.said());
        boolean removed = false;
        // A failed conversion leaves the disks as copied (it works on overlays): they are kept for a look or a
        // rerun, unless the plan says outright to delete a failed VM's disks.
        boolean keptForConversion = vmState.phase == Phase.ConvertGuest
                && plan.document().deleteVmOnFailMigrationUnset(vm.entry());
        if (keptForConversion) {
            reasons.add("the disks were kept as copied (set deleteVmOnFailMigration: true to remove them)");
        }
        if (vm.deleteOnFailure() && !keptForConversion) {
            try {
                target.remove(plan, vm);
                removed = true;
                reasons.add("what was made on the target was removed (deleteVmOnFailMigration)");
            } catch (Exception e) {
                reasons.add("could not remove what was made on the target: " + e.getMessage());
            }
        }
        boolean badInput = error instanceof CorruptImageException || error instanceof NoSuchFileException
                || (error instanceof VmliftException v && v.exitCode() == ExitCode.BAD_INPUT);
        boolean targetRemoved = removed;
        record.change(s -> {
            SourceRestore.record(restored, vmState);
            if (targetRemoved) {
                vmState.forgetDisks();
            }
            vmState.error = new MigrationState.Error(vmState.phase.name(), reasons, badInput);
            vmState.phase = Phase.Failed;
        });
        progress.phase(vm.name(), Phase.Failed, String.join("; ", reasons));
    }

    private void enter(MigrationState.VmState vmState, Phase phase, String detail) {
        if (phase != Phase.Completed) {
            checkStopped(); // the step before finished; the next one does not start
        }
        VmRun run = runs.get(vmState);
        if (run != null && run.current != phase) {
            throw new IllegalStateException(phase + " entered in step " + run.current + " of the " + run.itinerary
                    + " itinerary");
        }
        record.change(s -> vmState.phase = phase);
        progress.phase(vmState.targetName, phase, detail);
    }
}
