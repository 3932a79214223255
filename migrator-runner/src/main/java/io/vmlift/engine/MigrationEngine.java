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
    private final Map<MigrationState.VmState, Itinerary> itineraries = new java.util.concurrent.ConcurrentHashMap<>();
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

    private void migrate(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState) {
        itineraries.put(vmState, Itinerary.of(plan, vm));
        Instant started = clock.now();
        record.change(s -> {
            vmState.error = null;
            vmState.started = started.toString();
            vmState.completed = null;
        });
        try {
            enter(vmState, Phase.Validate, "");
            List<String> blocking = source.validate(vm.source()).stream().filter(Concern::blocks)
                    .map(Concern::oneLine).toList();
            if (!blocking.isEmpty()) {
                throw new IOException("the source VM has changed since the plan was checked: "
                        + String.join("; ", blocking));
            }
            Itinerary itinerary = itineraries.get(vmState);
            if (itinerary == Itinerary.WARM_BY_CHANGES) {
                migrateWarmByChanges(plan, vm, vmState);
            } else if (itinerary == Itinerary.WARM_CDI) {
                migrateWarm(plan, vm, vmState);
            } else {
                powerOffSource(vm, vmState);
                enter(vmState, Phase.CreateDataVolumes, target.describe());
                putTransferSecrets(plan, vm);
                target.createDisks(plan, vm, List.of());
                copyDisks(plan, vm, vmState);
            }
            enter(vmState, Phase.CreateVM, "");
            target.createVm(plan, vm);
            enter(vmState, Phase.WaitForVM, "");
            target.waitForVm(plan, vm, options.readyTimeout());
            // As the VM completes: a warm cutover wrote changes over the precopied images since.
            List<String> digests = new ArrayList<>();
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                digests.add(target.storedDigest(plan, vm, disk));
            }
            Instant completed = clock.now();
            record.change(s -> {
                for (int i = 0; i < digests.size(); i++) {
                    vmState.disks.get(i).digest = digests.get(i);
                }
                vmState.completed = completed.toString();
            });
            enter(vmState, Phase.Completed, "");
        } catch (Exception e) {
            fail(plan, vm, vmState, e);
        } catch (Error e) {
            // A bug or an exhausted JVM: still give the source its power back and record the VM as failed.
            fail(plan, vm, vmState, new IOException("internal error: " + e, e));
            throw e;
        }
    }

    private void powerOffSource(ResolvedPlan.TargetVm vm, MigrationState.VmState vmState)
            throws IOException {
        enter(vmState, Phase.StorePowerState, "");
        PowerControl power = source.power();
        PowerState before = power.state(vm.source());
        if (before == PowerState.ON) {
            // It runs now, so its disks may differ from what an interrupted earlier run copied: copy afresh.
            sourceRan.add(vmState);
        }
        record.change(s -> {
            if (vmState.restorePowerState == null) {
                vmState.restorePowerState = before;
            }
        });
        enter(vmState, Phase.PowerOffSource, "source was " + vmState.restorePowerState);
        if (before == PowerState.ON) {
            record.change(s -> vmState.poweredOffByVmlift = true); // on record before the source goes off
            power.powerOff(vm.source(), options.powerOffTimeout());
        }
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

    /**
     * Forklift's warm itinerary: snapshots of the running VM, each the next checkpoint of CDI's multi-stage
     * import, which copies what changed since the previous one; at the cutover the VM is powered off, a final
     * snapshot taken and copied, and every snapshot vmlift made removed.
     */
    private void migrateWarm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState) throws IOException, InterruptedException {
        Snapshots snapshots = source.snapshots().orElseThrow(); // the itinerary is warm only where it has them
        // A rerun starts the warm copy afresh: the DataVolumes of a failed run were removed, or are adopted.
        record.change(s -> vmState.checkpoints.clear());
        takeSnapshot(plan, vm, vmState, Phase.CreateSnapshot, snapshots);
        enter(vmState, Phase.CreateDataVolumes, target.describe());
        putTransferSecrets(plan, vm);
        target.createDisks(plan, vm, List.copyOf(vmState.checkpoints));
        awaitCheckpoint(plan, vm, vmState, Phase.CopyDisks);
        while (clock.now().isBefore(options.warm().cutover())) {
            Instant next = clock.now().plus(options.warm().precopyInterval());
            Instant wake = next.isBefore(options.warm().cutover()) ? next : options.warm().cutover();
            enter(vmState, Phase.CopyingPaused, "next precopy or cutover at " + wake);
            sleepUntil(wake);
            if (!clock.now().isBefore(options.warm().cutover())) {
                break;
            }
            takeSnapshot(plan, vm, vmState, Phase.CreateSnapshot, snapshots);
            enter(vmState, Phase.AddCheckpoint, "checkpoint " + vmState.checkpoints.size());
            warmImports().setCheckpoints(plan, vm, List.copyOf(vmState.checkpoints), false);
            awaitCheckpoint(plan, vm, vmState, Phase.CopyDisks);
            removeOlderSnapshots(vm, vmState, snapshots, Phase.RemovePreviousSnapshot);
        }
        powerOffSource(vm, vmState);
        takeSnapshot(plan, vm, vmState, Phase.CreateFinalSnapshot, snapshots);
        enter(vmState, Phase.AddFinalCheckpoint, "checkpoint " + vmState.checkpoints.size());
        warmImports().setCheckpoints(plan, vm, List.copyOf(vmState.checkpoints), true);
        awaitCheckpoint(plan, vm, vmState, Phase.Finalize);
        record.change(s -> vmState.disks.forEach(d -> d.completed = true));
        removeOlderSnapshots(vm, vmState, snapshots, Phase.RemoveFinalSnapshot);
        snapshots.remove(vm.source(), vmState.snapshots.get(0));
        record.change(s -> vmState.snapshots.clear());
    }

    /**
     * Warm migration vmlift copies itself (into raw images): a snapshot freezes the disks, vmlift copies them
     * while the VM runs, and at the cutover, with the VM off and the snapshot removed, copies only the areas
     * CBT says changed since. One precopy: later ones would have to read vSphere's delta files.
     */
    private void migrateWarmByChanges(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState) throws IOException, InterruptedException {
        Snapshots snapshots = source.snapshots().orElseThrow(); // the itinerary is warm only where it has them
        ChangeTracking tracking = source.changeTracking().orElseThrow();
        record.change(s -> vmState.checkpoints.clear());
        takeSnapshot(plan, vm, vmState, Phase.CreateSnapshot, snapshots);
        String snapshot = vmState.checkpoints.get(0);
        List<String> changeIds = new ArrayList<>();
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            changeIds.add(tracking.changeId(vm.source(), snapshot, disk.source()));
        }
        record.change(s -> {
            for (int i = 0; i < changeIds.size(); i++) {
                vmState.disks.get(i).changeId = changeIds.get(i);
            }
        });
        enter(vmState, Phase.CreateDataVolumes, target.describe());
        target.createDisks(plan, vm, List.of());
        copyDisks(plan, vm, vmState);
        Instant cutover = options.warm().cutover();
        if (clock.now().isBefore(cutover)) {
            enter(vmState, Phase.CopyingPaused, "cutover at " + cutover);
            sleepUntil(cutover);
        }
        powerOffSource(vm, vmState);
        enter(vmState, Phase.RemovePreviousSnapshot, snapshot);
        snapshots.remove(vm.source(), snapshot);
        record.change(s -> vmState.snapshots.clear());
        enter(vmState, Phase.Finalize, "the changes since the precopy");
        List<SourceDisk> sourceDisks = source.disks(vm.source());
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            MigrationState.DiskState diskState = vmState.disks.get(disk.index());
            List<Extent> changed = tracking.changedSince(vm.source(), disk.source(), diskState.changeId);
            long bytes = changed.stream().mapToLong(Extent::length).sum();
            progress.copyStarted(vm.name(), disk.dataVolumeName(), bytes);
            boolean copied = false;
            try (DiskImage image = sourceDisks.get(disk.index()).open()) {
                target.changeWriter().orElseThrow(() -> new IOException(target.describe()
                        + " cannot take a warm migration's changes (a raw image can)")).applyChanges(plan, vm, disk,
                        image, changed,
                        n -> progress.copied(vm.name(), disk.dataVolumeName(), n));
                copied = true;
            } finally {
                progress.copyFinished(vm.name(), disk.dataVolumeName(), copied);
            }
        }
    }

    private void takeSnapshot(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState, Phase phase, Snapshots snapshots) throws IOException {
        String name = "vmlift-" + plan.name() + "-" + (vmState.checkpoints.size() + 1);
        enter(vmState, phase, name);
        String id = snapshots.create(vm.source(), name);
        record.change(s -> {
            vmState.checkpoints.add(id);
            vmState.snapshots.add(id);
        });
    }

    /** Removes all but the newest of vmlift's snapshots: the next checkpoint starts from the newest. */
    private void removeOlderSnapshots(ResolvedPlan.TargetVm vm, MigrationState.VmState vmState,
            Snapshots snapshots, Phase phase) throws IOException {
        while (vmState.snapshots.size() > 1) {
            String oldest = vmState.snapshots.get(0);
            enter(vmState, phase, oldest);
            snapshots.remove(vm.source(), oldest);
            record.change(s -> vmState.snapshots.remove(0));
        }
    }

    /** Waits for CDI to copy the newest checkpoint of every disk. */
    private void awaitCheckpoint(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState, Phase phase) throws IOException {
        enter(vmState, phase, "checkpoint " + vmState.checkpoints.size() + ", " + vm.disks().size()
                + " disk(s)");
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            awaitTransfer(plan, vm, disk, vmState.disks.get(disk.index()), false);
        }
    }

    private void copyDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState) throws IOException {
        enter(vmState, Phase.CopyDisks, vm.disks().size() + " disk(s)");
        List<SourceDisk> sourceDisks = source.disks(vm.source());
        // A copy checkpoint of an earlier run is only good while the disks stayed as they were: cold, and the
        // source not found running since. A warm precopy reads a new snapshot each run.
        boolean resumable = itineraries.get(vmState) == Itinerary.COLD && !sourceRan.contains(vmState);
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            MigrationState.DiskState diskState = vmState.disks.get(disk.index());
            if (disk.copiedByVmlift()) {
                copyDisk(plan, vm, disk, sourceDisks.get(disk.index()), diskState, resumable);
            } else {
                awaitTransfer(plan, vm, disk, diskState, true);
            }
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
        });
        Backoff retries = options.retries();
        for (int attempt = 1; ; attempt++) {
            try {
                copyOnce(plan, vm, disk, sourceDisk, diskState, resumable);
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
        String digest = target.storedDigest(plan, vm, disk);
        record.change(s -> {
            diskState.completed = true;
            diskState.digest = digest;
        });
    }

    /** One attempt at copying a disk; a transient failure is tried again by the caller. */
    private void copyOnce(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
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
        boolean powerRestored = false;
        if (vmState.poweredOffByVmlift && vmState.restorePowerState == PowerState.ON) {
            // Also after a crashed earlier run: the record says vmlift powered it off. A VM someone else
            // powered off is left off.
            try {
                if (source.power().state(vm.source()) != PowerState.ON) {
                    source.power().powerOn(vm.source());
                    reasons.add("the source VM was powered back on");
                }
                powerRestored = true;
            } catch (Exception e) {
                reasons.add("could not power the source VM back on: " + e.getMessage());
            }
        }
        List<String> removedSnapshots = new ArrayList<>();
        if (!vmState.snapshots.isEmpty()) {
            // Forklift once left snapshots behind after a failed warm migration; vmlift removes its own.
            try {
                for (String snapshot : List.copyOf(vmState.snapshots)) {
                    source.snapshots().orElseThrow().remove(vm.source(), snapshot);
                    removedSnapshots.add(snapshot);
                }
                reasons.add("vmlift's snapshots of the source VM were removed");
            } catch (Exception e) {
                List<String> left = new ArrayList<>(vmState.snapshots);
                left.removeAll(removedSnapshots);
                reasons.add("could not remove vmlift's snapshots " + left + " of the source VM: " + e.getMessage());
            }
        }
        boolean removed = false;
        if (vm.deleteOnFailure()) {
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
        boolean restored = powerRestored;
        boolean targetRemoved = removed;
        record.change(s -> {
            if (restored) {
                vmState.poweredOffByVmlift = false;
                vmState.restorePowerState = null; // the next run records the state it finds
            }
            vmState.snapshots.removeAll(removedSnapshots);
            if (targetRemoved) {
                vmState.disks.forEach(d -> {
                    d.completed = false;
                    d.digest = null;
                    d.copiedBytes = 0;
                });
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
        Itinerary itinerary = itineraries.get(vmState);
        if (itinerary != null && !itinerary.phases().contains(phase)) {
            throw new IllegalStateException(phase + " is not a step of the " + itinerary + " itinerary");
        }
        record.change(s -> vmState.phase = phase);
        progress.phase(vmState.targetName, phase, detail);
    }
}
