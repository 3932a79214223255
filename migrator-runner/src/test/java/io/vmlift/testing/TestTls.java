package io.vmlift.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The key and self-signed certificate of the test peers that serve TLS (the oVirt engine, CDI's upload proxy),
 * for 127.0.0.1 and localhost, made once per JVM with the JDK's keytool. Like those servers' own CAs (the
 * engine's, CDI's cdi-uploadproxy-signer), no machine trusts it until told to.
 */
public final class TestTls {
    private static TestTls shared;

    private final SSLContext server;
    private final String caPem;
    private final Path caFile;

    private TestTls(Path work) throws IOException, GeneralSecurityException {
        Path keystore = work.resolve("server.p12");
        String storePassword = "changeit-" + UUID.randomUUID();
        run(work, "keytool", "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=vmlift-test-peer", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", storePassword, "-keypass", storePassword);
        caFile = work.resolve("ca.pem");
        run(work, "keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", storePassword, "-file", caFile.toString());
        caPem = Files.readString(caFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, storePassword.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, storePassword.toCharArray());
        server = SSLContext.getInstance("TLS");
        server.init(keys.getKeyManagers(), null, null);
    }

    /** The one made for this JVM. */
    public static synchronized TestTls shared() throws IOException {
        if (shared == null) {
            Path work = Files.createTempDirectory("vmlift-test-tls");
            try {
                shared = new TestTls(work);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot make the test peers' certificate: " + e, e);
            }
            for (Path file : new Path[] {work, work.resolve("server.p12"), work.resolve("ca.pem")}) {
                file.toFile().deleteOnExit(); // in reverse: files first, then the folder
            }
        }
        return shared;
    }

    /** What a server presents. */
    public SSLContext serverContext() {
        return server;
    }

    /** The certificate as PEM, which clients are given as the CA to trust. */
    public String caPem() {
        return caPem;
    }

    /** The same, as a file (for --upload-proxy-ca). */
    public Path caFile() {
        return caFile;
    }

    private static void run(Path dir, String... command) throws IOException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
