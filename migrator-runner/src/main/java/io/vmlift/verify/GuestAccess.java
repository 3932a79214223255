package io.vmlift.verify;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * How a TestSuite's checks reach a booted guest: what its serial console printed, and its TCP ports from this
 * machine. Locally a QEMU process (QemuGuest); on a cluster, KubeVirt's console and portforward subresources.
 */
public interface GuestAccess extends AutoCloseable {
    /** The guest's name, for reports. */
    String name();

    /** Everything the guest's serial console has printed so far. */
    String console() throws IOException;

    /** An address on this machine where the guest's TCP port answers (a forward). */
    InetSocketAddress port(int guestPort) throws IOException;

    /**
     * What the guest agent says of the guest's OS (the QEMU guest agent's guest-get-osinfo: id, name,
     * pretty-name, version-id, kernel-release); IOException when no agent answers.
     */
    com.fasterxml.jackson.databind.JsonNode agentOsInfo() throws IOException;

    /** What a program run in the guest printed, and its exit code. */
    record Run(int exitCode, String output) {}

    /**
     * Runs a program in the guest and waits for it, through the guest agent (guest-exec); IOException when no
     * agent answers or the program does not end within the timeout.
     */
    Run run(java.util.List<String> command, java.time.Duration timeout) throws IOException;

    /** Whether the guest is still running (a guest that powered off or crashed fails every check at once). */
    boolean running();

    /** Why the guest stopped, when it did (what the hypervisor said), for the report. */
    String whyStopped();

    /** Stops the guest and removes what was made for it; the migrated images are never written. */
    @Override
    void close();
}
