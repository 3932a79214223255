package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Logging in to the simulator: each way of trusting its certificate, and each way it can go wrong. */
class VsphereConnectTest {
    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.of(Vcsim.builder().datacenters(2).clusters(1).hosts(1).vms(3)
            .datastores(2).portgroups(2));

    @TempDir
    Path dir;

    private Cli.Run connect(VsphereDocuments documents) throws Exception {
        documents.writeProviders(dir);
        Cli.Run run = Cli.run("connect", "-f", dir, "-o", "json");
        // Whatever happens, the password never shows.
        assertThat(run.out() + run.err()).doesNotContain(VCSIM.vcsim().password());
        return run;
    }

    @Test
    void pinnedThumbprintConnectsAndCountsWhatTheSimulatorWasToldToHold() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode summary = Serialization.json().readTree(run.out());
        // vcsim: per datacenter, vms per standalone host and per cluster: 2 DCs x (1 host + 1 cluster) x 3.
        assertThat(summary.get("vms").asInt()).isEqualTo(2 * (1 + 1) * 3);
        assertThat(summary.get("storage").asInt()).isEqualTo(2 * 2);
    }

    @Test
    void caBundleWithTheServersHostNameConnects() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("thumbprint", null)
                .secret("ca.crt", VCSIM.vcsim().certificatePem()));
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }

    @Test
    void insecureSkipVerifyConnectsOnlyWhenAskedFor() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("thumbprint", null)
                .secret("insecureSkipVerify", "true"));
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }

    @Test
    void untrustedCertificateSaysWhichThumbprintItSaw() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("thumbprint", null));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        assertThat(run.err()).contains(VCSIM.vcsim().thumbprint()).contains("thumbprint").doesNotContain("\tat ");
    }

    @Test
    void thumbprintMismatchExits4AndNamesBothThumbprints() throws Exception {
        String wrong = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("thumbprint", wrong));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        assertThat(run.err()).contains(VCSIM.vcsim().thumbprint()).contains("does not match");
        assertThat(run.err().lines().count()).isEqualTo(1);
    }

    @Test
    void wrongPasswordExits4WithLoginFailedForUserAtUrl() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("password", "not-the-password"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        assertThat(run.err()).contains("login failed for " + VCSIM.vcsim().user() + " at " + VCSIM.vcsim().sdk())
                .doesNotContain("not-the-password");
        assertThat(run.err().lines().count()).isEqualTo(1);
    }

    @Test
    void unreachableHostIsRetriedABoundedNumberOfTimesThenExits4() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        long started = System.nanoTime();
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim())
                .url("https://127.0.0.1:" + closedPort + "/sdk"));
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        assertThat(run.err()).contains("after " + VsphereProviderFactory.LOGIN_ATTEMPTS + " attempts")
                .contains(Integer.toString(closedPort));
        assertThat(seconds).as("bounded retries").isLessThan(30);
    }

    @Test
    void notAnSdkUrlIsBadInputWithFileAndLine() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).url("http://vcenter.example.com/sdk"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("providers.yaml:").contains("https://VCENTER-OR-ESXI-HOST/sdk");
    }

    @Test
    void missingPasswordIsBadInputNamingTheSecret() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("password", null));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("vcenter-credentials").contains("'password'");
    }

    @Test
    void malformedThumbprintIsBadInput() throws Exception {
        Cli.Run run = connect(VsphereDocuments.forSimulator(VCSIM.vcsim()).secret("thumbprint", "12:34"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("not a SHA-1 thumbprint");
    }
}
