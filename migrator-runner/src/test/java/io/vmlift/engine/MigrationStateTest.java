package io.vmlift.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.model.Serialization;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MigrationStateTest {
    /** One VM's thread takes snapshots while another's save writes the whole record: no save may fail. */
    @Test
    void aSaveRacingAnotherVmsChangesNeverFails() throws Exception {
        MigrationState state = new MigrationState();
        state.plan = "wave-1";
        MigrationState.VmState busy = new MigrationState.VmState();
        busy.id = "vm-1";
        state.vms.add(busy);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread vmThread = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                busy.snapshots.add("snapshot-" + i);
                busy.checkpoints.add("snapshot-" + i);
                if (busy.snapshots.size() > 50) {
                    busy.snapshots.remove(0);
                    busy.checkpoints.remove(0);
                }
            }
        });
        vmThread.start();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try {
            for (int save = 0; save < 2000 && failed.get() == null; save++) {
                try {
                    Serialization.toJson(state);
                } catch (RuntimeException e) {
                    failed.set(e);
                }
            }
        } finally {
            running.set(false);
            vmThread.join();
        }
        assertThat(failed.get()).as("a save failed while another thread changed the record").isNull();
    }

    @Test
    void aReadRecordKeepsCopyOnWriteLists() throws Exception {
        MigrationState state = new MigrationState();
        state.plan = "p";
        state.vms.add(new MigrationState.VmState());
        state.vms.get(0).id = "vm";
        MigrationState read = Serialization.json().readValue(Serialization.toJson(state), MigrationState.class);
        assertThat(read.vms).isInstanceOf(CopyOnWriteArrayList.class);
        assertThat(read.vms.get(0).snapshots).isInstanceOf(CopyOnWriteArrayList.class);
    }
}
