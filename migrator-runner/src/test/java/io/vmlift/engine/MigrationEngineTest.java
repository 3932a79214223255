package io.vmlift.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.disk.DiskFormat;
import io.vmlift.disk.DiskImage;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.Plan;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.plan.PlanResolver;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.spi.PowerControl;
import io.vmlift.spi.PowerState;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.destination.manifests.ManifestsTarget;
import io.vmlift.testing.Example;
import io.vmlift.testing.ForwardingImage;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's promises about the source: it powers a running VM off before copying, and back on when the
 * migration fails. The OVA source has no power, so this test peer gives the real OVA source a power switch
 * and can make a disk fail mid-copy.
 */
class MigrationEngineTest {
    @TempDir
    Path dir;
    private SwitchedSource source;
    private DocumentSet documents;

    @BeforeEach
    void connect() throws IOException {
        Path example = Example.copyTo(dir);
        documents = DocumentLoader.load(List.of(example));
        source = new SwitchedSource(SourceProviders.connect(documents.sourceProvider(null),
                documents.credentials(documents.sourceProvider(null))));
    }

    @AfterEach
    void close() throws IOException {
        source.close();
    }

    private MigrationState migrate(Path out) throws IOException {
        return engine(out).run(resolve());
    }

    private ResolvedPlan resolve() throws IOException {
        Located<Plan> plan = documents.plan(null);
        ResolvedPlan resolved = PlanResolver.resolve(documents, plan, source);
        assertThat(resolved.concerns()).noneMatch(Concern::blocks);
        return resolved;
    }

    private MigrationEngine engine(Path out) {
        return new MigrationEngine(source, new ManifestsTarget(out, DiskFormat.QCOW2), FileStateStore.forPlan(out, "p"),
                ProgressListener.NONE, new MigrationEngine.Options(2, Duration.ofSeconds(1), 2, Duration.ofSeconds(5)));
    }

    @Test
    void aRunningSourceIsPoweredOffForTheCopyAndStaysOffAfterSuccess() throws IOException {
        source.on = true;
        MigrationState state = migrate(dir.resolve("out"));
        assertThat(state.succeeded()).isTrue();
        assertThat(source.calls).containsExactly("powerOff");
        assertThat(state.vms.get(0).restorePowerState).isEqualTo(PowerState.ON);
    }

    @Test
    void aFailedCopyPowersTheSourceBackOnAndRemovesWhatWasMade() throws IOException {
        source.on = true;
        source.failDisk = 1;
        Path out = dir.resolve("out");
        MigrationState state = migrate(out);
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.phase()).isEqualTo("CopyDisks");
        assertThat(vm.error.reasons()).anyMatch(r -> r.contains("disk read failed on purpose"))
                .anyMatch(r -> r.contains("powered back on"));
        assertThat(source.calls).containsExactly("powerOff", "powerOn");
        assertThat(source.on).isTrue();
        assertThat(out.resolve("migrated/example-vm")).doesNotExist();

        // The rerun, with the fault gone, completes the VM and keeps the recorded original power state.
        source.failDisk = -1;
        MigrationState rerun = migrate(out);
        assertThat(rerun.succeeded()).isTrue();
        assertThat(rerun.vms.get(0).restorePowerState).isEqualTo(PowerState.ON);
        assertThat(Files.exists(out.resolve("migrated/example-vm/virtualmachine.yaml"))).isTrue();
    }

    @Test
    void anErrorThatEscapesAVmStillRestoresTheSourceAndIsRecorded() throws IOException {
        source.on = true;
        source.bugDisk = 0;
        Path out = dir.resolve("out");
        Throwable escaped = org.assertj.core.api.Assertions.catchThrowable(() -> migrate(out));
        assertThat(escaped).isNotNull().hasRootCauseMessage("a bug on purpose");
        // The run did not abandon the VM: its source is on again and the record says how it ended.
        assertThat(source.calls).containsExactly("powerOff", "powerOn");
        assertThat(source.on).isTrue();
        MigrationState saved = FileStateStore.forPlan(out, "p").load();
        assertThat(saved.phase).isEqualTo(PlanPhase.Failed);
        assertThat(saved.completed).isNotNull();
        assertThat(saved.vms.get(0).phase).isEqualTo(Phase.Failed);
        assertThat(saved.vms.get(0).error.reasons().get(0)).contains("internal error").contains("a bug on purpose");
    }

    @Test
    void aRerunChecksTheTargetNotOnlyTheRecordAndRedoesWhatIsMissing() throws Exception {
        Path out = dir.resolve("out");
        assertThat(migrate(out).succeeded()).isTrue();
        Path images = out.resolve("migrated/example-vm");
        Path disk0 = images.resolve("example-vm-disk-0.qcow2");
        Path disk1 = images.resolve("example-vm-disk-1.qcow2");
        Path good0 = Files.copy(disk0, dir.resolve("good-0.qcow2"));
        Path good1 = Files.copy(disk1, dir.resolve("good-1.qcow2"));
        assertThat(FileStateStore.forPlan(out, "p").load().vms.get(0).disks)
                .allSatisfy(d -> assertThat(d.digest).startsWith("crc32c:"));

        // Deleted: the completed plan is not a no-op any more; the missing disk is copied again, the other kept.
        Files.delete(disk1);
        java.nio.file.attribute.FileTime kept = Files.getLastModifiedTime(disk0);
        assertThat(migrate(out).succeeded()).isTrue();
        assertThat(QemuImg.compare(good1, disk1).exitCode()).isZero();
        assertThat(Files.getLastModifiedTime(disk0)).isEqualTo(kept);

        // Truncated, and altered in place at the same size: both seen through the digest.
        try (var channel = java.nio.channels.FileChannel.open(disk0, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
        assertThat(migrate(out).succeeded()).isTrue();
        assertThat(QemuImg.compare(good0, disk0).exitCode()).isZero();
        try (var channel = java.nio.channels.FileChannel.open(disk1, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {0x55}), channel.size() - 1);
        }
        assertThat(migrate(out).succeeded()).isTrue();
        assertThat(QemuImg.compare(good1, disk1).exitCode()).isZero();
        assertThat(Files.mismatch(good1, disk1)).as("the altered byte is gone").isNotEqualTo(Files.size(good1) - 1);
    }

    @Test
    void aStopRequestRollsTheCopyBackRestoresPowerAndRecordsIt() throws Exception {
        source.on = true;
        source.slowDisk = 1;
        Path out = dir.resolve("out");
        MigrationEngine engine = engine(out);
        ResolvedPlan plan = resolve();
        java.util.concurrent.Future<MigrationState> run = java.util.concurrent.Executors.newSingleThreadExecutor()
                .submit(() -> engine.run(plan));
        assertThat(source.copying.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        engine.stop("SIGTERM in a test");
        assertThat(engine.awaitFinished(Duration.ofSeconds(30))).isTrue();
        MigrationState state = run.get();
        assertThat(state.phase).isEqualTo(PlanPhase.Failed);
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.phase()).isEqualTo("CopyDisks");
        assertThat(vm.error.reasons()).anyMatch(r -> r.contains("stopped: SIGTERM in a test"))
                .anyMatch(r -> r.contains("powered back on"));
        assertThat(source.on).isTrue();
        assertThat(FileStateStore.forPlan(out, "p").load().phase).isEqualTo(PlanPhase.Failed);
        assertThat(out.resolve("migrated/example-vm")).doesNotExist();
    }

    @Test
    void oneThreadChangesAndSavesTheRecordAndNoSaveSeesItChange() throws IOException {
        source.on = true;
        source.slowDisk = 1; // a copy long enough for its progress to be counted while phases are saved
        Path out = dir.resolve("out");
        WatchingStore store = new WatchingStore(FileStateStore.forPlan(out, "p"));
        MigrationState state = new MigrationEngine(source, new ManifestsTarget(out, DiskFormat.QCOW2), store,
                ProgressListener.NONE, new MigrationEngine.Options(2, Duration.ofSeconds(1), 2, Duration.ofSeconds(5)))
                .run(resolve());
        assertThat(state.succeeded()).isTrue();
        assertThat(store.saves).hasSizeGreaterThan(5);
        assertThat(store.threads).as("the threads that saved the record").hasSize(1)
                .noneMatch(name -> name.equals(Thread.currentThread().getName()));
        assertThat(store.changedDuringSave).isEmpty();
        // What the record says at the end, saved, is what run() returned.
        assertThat(io.vmlift.model.Serialization.json().writeValueAsString(FileStateStore.forPlan(out, "p").load()))
                .isEqualTo(io.vmlift.model.Serialization.json().writeValueAsString(state));
    }

    /** Saves through the file store, noting the saving thread and whether the record changes while it is written. */
    private static final class WatchingStore implements StateStore {
        final StateStore saved;
        final List<String> saves = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> changedDuringSave = java.util.Collections.synchronizedList(new ArrayList<>());

        WatchingStore(StateStore saved) {
            this.saved = saved;
        }

        @Override
        public MigrationState load() {
            return saved.load();
        }

        @Override
        public void save(MigrationState state) {
            threads.add(Thread.currentThread().getName());
            try {
                String before = io.vmlift.model.Serialization.json().writeValueAsString(state);
                Thread.sleep(2);
                saved.save(state);
                String after = io.vmlift.model.Serialization.json().writeValueAsString(state);
                if (!before.equals(after)) {
                    changedDuringSave.add(before + " -> " + after);
                }
                saves.add(before);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String describe() {
            return saved.describe();
        }

        @Override
        public Lock lock() {
            return saved.lock();
        }
    }

    @Test
    void aSourceSomeoneElsePoweredOffAfterARestoreStaysOff() throws IOException {
        source.on = true;
        source.failDisk = 1;
        Path out = dir.resolve("out");
        migrate(out); // fails, and powers the source back on
        assertThat(source.calls).containsExactly("powerOff", "powerOn");
        source.on = false; // an operator powers it off on purpose
        MigrationState rerun = migrate(out); // fails again
        assertThat(rerun.vms.get(0).phase).isEqualTo(Phase.Failed);
        assertThat(source.calls).containsExactly("powerOff", "powerOn");
        assertThat(source.on).isFalse();
    }

    @Test
    void aVmThatChangedSinceThePlanIsNotTouched() throws IOException {
        source.on = true;
        source.snapshotAppears = true;
        Path out = dir.resolve("out");
        MigrationState state = migrate(out);
        MigrationState.VmState vm = state.vms.get(0);
        assertThat(vm.phase).isEqualTo(Phase.Failed);
        assertThat(vm.error.phase()).isEqualTo("Validate");
        assertThat(vm.error.reasons().get(0)).contains("changed since the plan").contains("VMHasSnapshots");
        assertThat(source.calls).isEmpty();
        assertThat(source.on).isTrue();
        assertThat(out.resolve("migrated/example-vm")).doesNotExist();
    }

    /** The real OVA source with a power switch and an optional failing disk. */
    private static final class SwitchedSource implements SourceProvider {
        private final SourceProvider delegate;
        final List<String> calls = new ArrayList<>();
        boolean on;
        int failDisk = -1;
        /** Reads of this disk take their time, so that a test can stop the run mid-copy. */
        int slowDisk = -1;
        final java.util.concurrent.CountDownLatch copying = new java.util.concurrent.CountDownLatch(1);
        /** Opening this disk throws an Error, as a bug would: it escapes the VM's own failure handling. */
        int bugDisk = -1;
        boolean snapshotAppears;

        SwitchedSource(SourceProvider delegate) {
            this.delegate = delegate;
        }

        @Override
        public Inventory inventory() throws IOException {
            return delegate.inventory();
        }

        /** After the first call (the plan check), a snapshot "appears" when asked to. */
        private int validations;

        @Override
        public List<Concern> validate(Vm vm) throws IOException {
            List<Concern> concerns = new ArrayList<>(delegate.validate(vm));
            if (snapshotAppears && validations++ > 0) {
                concerns.add(Concern.critical("VMHasSnapshots", vm.name(), "A snapshot was taken", "remove it"));
            }
            return concerns;
        }

        @Override
        public PowerControl power() {
            return new PowerControl() {
                @Override
                public PowerState state(Vm vm) {
                    return on ? PowerState.ON : PowerState.OFF;
                }

                @Override
                public void powerOff(Vm vm, Duration gracefulTimeout) {
                    calls.add("powerOff");
                    on = false;
                }

                @Override
                public void powerOn(Vm vm) {
                    calls.add("powerOn");
                    on = true;
                }
            };
        }

        @Override
        public List<SourceDisk> disks(Vm vm) throws IOException {
            List<SourceDisk> disks = new ArrayList<>();
            List<SourceDisk> real = delegate.disks(vm);
            for (int i = 0; i < real.size(); i++) {
                SourceDisk disk = real.get(i);
                boolean fail = i == failDisk;
                boolean bug = i == bugDisk;
                boolean slow = i == slowDisk;
                disks.add(new SourceDisk() {
                    @Override
                    public io.vmlift.spi.Disk disk() {
                        return disk.disk();
                    }

                    @Override
                    public DiskImage open() throws IOException {
                        if (bug) {
                            throw new AssertionError("a bug on purpose");
                        }
                        DiskImage image = disk.open();
                        return fail ? new FailingImage(image) : slow ? new SlowImage(image, copying) : image;
                    }
                });
            }
            return disks;
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    /** Reads that take 50 ms each, and say when the first began. */
    private static final class SlowImage extends ForwardingImage {
        private final java.util.concurrent.CountDownLatch copying;

        SlowImage(DiskImage image, java.util.concurrent.CountDownLatch copying) {
            super(image);
            this.copying = copying;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            copying.countDown();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            image.read(offset, dst);
        }
    }

    /** Reads fail once the copy is under way, as a dropped connection would. */
    private static final class FailingImage extends ForwardingImage {
        FailingImage(DiskImage image) {
            super(image);
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            throw new IOException("disk read failed on purpose at byte " + offset);
        }
    }
}
