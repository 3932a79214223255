package io.vmlift.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * VMware's vSphere simulator (govmomi's simulator package, built from src/test/vcsim/main.go) as a running
 * test peer on a loopback port. The binary is built once per source version and cached under target/.
 * Inventory names follow vcsim's scheme: DC0, DC0_C0, DC0_H0, DC0_H0_VM0, DC0_C0_RP0_VM0, LocalDS_0, DC0_DVPG0.
 */
public final class Vcsim implements AutoCloseable {
    public static final String USER = "vmlift@vsphere.local";
    private static final Path MODULE = Path.of(System.getProperty("vmlift.repoRoot", "..")).resolve("migrator-runner");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Process process;
    private final URI sdk;
    private final String password;
    private final String certificatePem;
    private final X509Certificate certificate;

    private final Path work;

    private Vcsim(Process process, Path work, URI sdk, String password, String certificatePem) {
        this.process = process;
        this.work = work;
        this.sdk = sdk;
        this.password = password;
        this.certificatePem = certificatePem;
        try {
            this.certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** https://127.0.0.1:PORT/sdk */
    public URI sdk() {
        return sdk;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    public String certificatePem() {
        return certificatePem;
    }

    /** SHA-1, AA:BB:..., computed here from the certificate the simulator wrote, independently of vmlift. */
    public String thumbprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Uploads a local file onto a datastore (e.g. a real VMDK in place of the simulator's empty disk files). */
    public void putFile(String datacenter, String datastore, String path, Path file) throws IOException {
        URI uri = URI.create(sdk.toString().replaceFirst("/sdk$", "") + "/folder/" + path + "?dcPath=" + datacenter
                + "&dsName=" + datastore);
        HttpRequest request = HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        try {
            HttpResponse<String> response = client().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("PUT " + uri + ": HTTP " + response.statusCode());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** What the simulator logged so far (its stderr): e.g. the downloads it cut on purpose. */
    public String log() throws IOException {
        return Files.readString(work.resolve("vcsim.log"));
    }

    /** An HTTP client that trusts exactly this simulator's certificate. */
    public HttpClient client() {
        try {
            var store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("vcsim", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the simulator exits when its stdin closes
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // left under target/, which mvn clean removes
        }
    }

    /** Inventory size and faults; counts are per datacenter, VMs per host and per cluster as vcsim counts them. */
    public static final class Builder {
        private int datacenters = 1;
        private int clusters = 1;
        private int clusterHosts = 3;
        private int hosts = 1;
        private int vms = 2;
        private int datastores = 1;
        private int portgroups = 1;
        private String password = "vcsim-test-" + ProcessHandle.current().pid();
        private final List<String> refusePowerOff = new ArrayList<>();
        private final List<String> refusePowerOn = new ArrayList<>();
        private int cutEvery;
        private Path changedAreas;

        public Builder datacenters(int n) {
            datacenters = n;
            return this;
        }

        public Builder clusters(int n) {
            clusters = n;
            return this;
        }

        public Builder clusterHosts(int n) {
            clusterHosts = n;
            return this;
        }

        public Builder hosts(int n) {
            hosts = n;
            return this;
        }

        public Builder vms(int n) {
            vms = n;
            return this;
        }

        public Builder datastores(int n) {
            datastores = n;
            return this;
        }

        public Builder portgroups(int n) {
            portgroups = n;
            return this;
        }

        public Builder password(String value) {
            password = value;
            return this;
        }

        /** These VMs refuse every power-off (NoPermission), as a locked VM or a missing privilege would. */
        public Builder refusePowerOff(String... names) {
            refusePowerOff.addAll(List.of(names));
            return this;
        }

        /** These VMs refuse every power-on (NoPermission for VirtualMachine.Interact.PowerOn). */
        public Builder refusePowerOn(String... names) {
            refusePowerOn.addAll(List.of(names));
            return this;
        }

        /** Every nth datastore download is cut halfway, as a dropped connection would be. */
        public Builder cutEveryNthDownload(int n) {
            cutEvery = n;
            return this;
        }

        /**
         * Answer QueryChangedDiskAreas (which vcsim lacks) from this JSON file, read at each call:
         * {"window": n, "disks": {"vm-63/204": {"capacity": n, "areas": [[start, length], ...]}}}.
         */
        public Builder changedAreasFrom(Path file) {
            changedAreas = file;
            return this;
        }

        public Vcsim start() {
            try {
                Path binary = build();
                Path work = Files.createDirectories(MODULE.resolve("target/vcsim/run-" + ProcessHandle.current().pid()
                        + "-" + INSTANCES.incrementAndGet()));
                Path passwordFile = work.resolve("password");
                Files.writeString(passwordFile, password);
                Path cert = work.resolve("cert.pem");
                List<String> command = new ArrayList<>(List.of(binary.toString(), "-dc", "" + datacenters,
                        "-cluster", "" + clusters, "-cluster-host", "" + clusterHosts, "-host", "" + hosts,
                        "-vm", "" + vms, "-ds", "" + datastores, "-pg", "" + portgroups, "-user", USER,
                        "-password-file", passwordFile.toString(), "-cert-out", cert.toString(),
                        "-cut-every", "" + cutEvery));
                if (changedAreas != null) {
                    command.add("-changed-areas");
                    command.add(changedAreas.toAbsolutePath().toString());
                }
                if (!refusePowerOff.isEmpty()) {
                    command.add("-refuse-power-off");
                    command.add(String.join(",", refusePowerOff));
                }
                if (!refusePowerOn.isEmpty()) {
                    command.add("-refuse-power-on");
                    command.add(String.join(",", refusePowerOn));
                }
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectError(work.resolve("vcsim.log").toFile());
                builder.environment().put("TMPDIR", work.toString()); // its datastores live here
                Process process = builder.start();
                BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8));
                String line = out.readLine();
                if (line == null || !line.startsWith("URL ")) {
                    process.destroyForcibly();
                    throw new IllegalStateException("vcsim did not start: " + Files.readString(work.resolve("vcsim.log")));
                }
                return new Vcsim(process, work, URI.create(line.substring(4).trim()), password, Files.readString(cert));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Builds the simulator once per version of its source; later calls reuse the binary. */
    static synchronized Path build() throws IOException {
        Path source = MODULE.resolve("src/test/vcsim/main.go");
        String hash = HexFormat.of().formatHex(sha256(Files.readAllBytes(source))).substring(0, 12);
        Path folder = MODULE.resolve("target/vcsim");
        Path binary = folder.resolve("vmlift-vcsim-" + hash);
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Files.createDirectories(folder);
        Path log = folder.resolve("build.log");
        ProcessBuilder builder = new ProcessBuilder("go", "build", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("GO111MODULE", "off");
        builder.environment().put("GOPATH", folder.resolve("gopath") + ":/usr/share/gocode");
        builder.environment().put("GOCACHE", folder.resolve("gocache").toString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the vSphere simulator: 'go' is not installed. Install"
                    + " golang-go and golang-github-vmware-govmomi-dev (as .ci/run does)", e);
        }
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("building the vSphere simulator failed (is"
                        + " golang-github-vmware-govmomi-dev installed?):\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return binary;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
