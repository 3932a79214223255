package io.vmlift.verify;

import io.vmlift.model.TestSuite;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Runs a TestSuite's checks against one booted guest. Each check is tried again every second until it passes
 * or its timeout ends, and reports what it saw: the console line, the HTTP status and the first bytes, whether
 * the port answered.
 */
public final class SuiteChecks {
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final int EVIDENCE_CHARS = 300;

    private final GuestAccess guest;
    private final io.vmlift.spi.Vm source;
    private final java.util.function.Function<io.vmlift.model.ObjectReference, io.vmlift.model.Credentials> secrets;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param source the VM as the source knows it (its OS, for guestAgent checks); may be null */
    public SuiteChecks(GuestAccess guest, io.vmlift.spi.Vm source) {
        this(guest, source, reference -> io.vmlift.model.Credentials.NONE);
    }

    /** @param secrets the Secrets command checks log in with, by reference */
    public SuiteChecks(GuestAccess guest, io.vmlift.spi.Vm source,
            java.util.function.Function<io.vmlift.model.ObjectReference, io.vmlift.model.Credentials> secrets) {
        this.guest = guest;
        this.source = source;
        this.secrets = secrets;
    }

    /** The guest ports a suite's checks reach: theirs, and SSH's for command checks (22 unless they say). */
    public static java.util.Set<Integer> ports(TestSuite suite) {
        java.util.Set<Integer> ports = new java.util.TreeSet<>();
        for (TestSuite.Check check : suite.spec().checks()) {
            if (check.port() != null) {
                ports.add(check.port());
            } else if (check.type() == TestSuite.Type.COMMAND || check.type() == TestSuite.Type.DISKS
                    && check.credentials() != null) {
                ports.add(22);
            }
        }
        return ports;
    }

    /** One attempt: the evidence, and whether it passed. */
    private record Attempt(boolean passed, String evidence) {}

    @FunctionalInterface
    private interface Probe {
        Attempt once() throws IOException, InterruptedException;
    }

    public List<TestReport.Check> run(TestSuite suite) {
        return run(List.of(suite));
    }

    /** Every check of the suites, in order. */
    public List<TestReport.Check> run(List<TestSuite> suites) {
        List<TestReport.Check> results = new ArrayList<>();
        for (TestSuite suite : suites) {
            for (TestSuite.Check check : suite.spec().checks()) {
                results.add(run(suite.name(), check));
            }
        }
        return results;
    }

    /** Every check of the suites failed, saying why it did not run: a suite asked for never passes unrun. */
    public static List<TestReport.Check> notRun(List<TestSuite> suites, String why) {
        List<TestReport.Check> results = new ArrayList<>();
        for (TestSuite suite : suites) {
            for (TestSuite.Check check : suite.spec().checks()) {
                results.add(new TestReport.Check(name(suite.name(), check), false, why, 0, null, blocking(check)));
            }
        }
        return results;
    }

    /** How a check is named in reports: its suite, then its own name. */
    private static String name(String suite, TestSuite.Check check) {
        return suite + "/" + check.name();
    }

    private static boolean blocking(TestSuite.Check check) {
        return check.severityOrDefault() == TestSuite.Severity.BLOCK;
    }

    private TestReport.Check run(String suite, TestSuite.Check check) {
        String name = name(suite, check);
        boolean blocking = blocking(check);
        long start = System.nanoTime();
        long deadline = start + check.timeoutOrDefault().toNanos();
        Probe probe = switch (check.type()) {
            case CONSOLE -> () -> console(check);
            case HTTP -> () -> http(check);
            case TCP -> () -> tcp(check);
            case GUEST_AGENT -> this::guestAgent;
            case DISKS -> () -> disks(check);
            case COMMAND -> () -> command(check);
        };
        Attempt last = new Attempt(false, "not tried");
        while (true) {
            try {
                last = probe.once();
            } catch (IOException e) {
                last = new Attempt(false, e.getClass().getSimpleName() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                last = new Attempt(false, "interrupted");
                break;
            }
            if (last.passed() || !guest.running() || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String message = last.passed() ? null : (guest.running() ? "not met within " + check.timeoutOrDefault()
                .toSeconds() + " s" : "the guest is not running (" + guest.whyStopped() + ")") + ": "
                + describe(check) + "; last seen: " + last.evidence();
        return new TestReport.Check(name, last.passed(), message, seconds, last.evidence(), blocking);
    }

    private static String describe(TestSuite.Check check) {
        return switch (check.type()) {
            case CONSOLE -> "a console line matching /" + check.expect() + "/";
            case HTTP -> "HTTP " + check.expectStatusOrDefault() + " from port " + check.port() + check.pathOrDefault()
                    + (check.expectBody() == null ? "" : " with a body matching /" + check.expectBody() + "/");
            case TCP -> "port " + check.port() + (check.expectsOpen() ? " open" : " closed");
            case GUEST_AGENT -> "a guest agent that answers, on an OS of the source's family";
            case DISKS -> "a block device in the guest of each source disk's size";
            case COMMAND -> String.join(" ", check.command()) + " exiting 0" + (check.expectOutput() == null ? ""
                    : " with output matching /" + check.expectOutput() + "/");
            default -> check.type().toString();
        };
    }

    private Attempt console(TestSuite.Check check) throws IOException {
        Pattern expected = Pattern.compile(check.expect());
        List<String> lines = guest.console().lines().toList();
        for (String line : lines) {
            if (expected.matcher(line).find()) {
                return new Attempt(true, "console: " + cut(line));
            }
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
        return new Attempt(false, lines.isEmpty() ? "the console printed nothing" : "console ends: "
                + cut(String.join(" | ", tail)));
    }

    /**
     * The agent answers, and the OS it reports is of the family the source said (Windows or Linux): a guest that
     * migrated as the wrong disk, or a template's, says another OS.
     */
    private Attempt guestAgent() throws IOException {
        com.fasterxml.jackson.databind.JsonNode os = guest.agentOsInfo();
        String id = os.path("id").asText("");
        String seen = "guest agent: " + os.path("pretty-name").asText(os.path("name").asText(id)) + ", kernel "
                + os.path("kernel-release").asText("?");
        if (source == null || source.osType() == null || id.isEmpty()) {
            return new Attempt(true, seen);
        }
        boolean guestWindows = id.equals("mswindows");
        boolean sourceWindows = source.osType().toLowerCase(java.util.Locale.ROOT).contains("windows");
        return guestWindows == sourceWindows ? new Attempt(true, seen + "; the source said " + source.osType())
                : new Attempt(false, seen + ", but the source said " + source.osType());
    }

    /**
     * Each disk of the source appears in the guest at its size: a disk left out, attached on a bus the guest has
     * no driver for, or cut short is missing from the guest's block devices. Read over SSH when the check names a
     * login (the way on a cluster), else through the guest agent.
     */
    private Attempt disks(TestSuite.Check check) throws IOException {
        List<String> list = List.of("/bin/sh", "-c", "for d in /sys/block/*; do echo ${d##*/} $(cat $d/size); done");
        GuestAccess.Run listed = check.credentials() != null && check.credentials().secret() != null
                ? GuestSsh.run(guest.port(check.port() != null ? check.port() : 22),
                        secrets.apply(check.credentials().secret()), list, Duration.ofSeconds(20))
                : guest.run(list, Duration.ofSeconds(20));
        java.util.Map<String, Long> devices = new java.util.TreeMap<>();
        for (String line : listed.output().lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[1].matches("\\d{1,18}")
                    && !fields[0].matches("(loop|ram|sr|fd|zram|dm-).*")) {
                devices.put(fields[0], Long.parseLong(fields[1]) * 512);
            }
        }
        List<Long> wanted = source == null ? List.of() : source.disks().stream()
                .map(d -> (d.capacityBytes() + 511) / 512 * 512).toList();
        java.util.Map<String, Long> unmatched = new java.util.TreeMap<>(devices);
        List<String> missing = new ArrayList<>();
        for (long size : wanted) {
            String match = unmatched.entrySet().stream().filter(e -> e.getValue() == size)
                    .map(java.util.Map.Entry::getKey).findFirst().orElse(null);
            if (match == null) {
                missing.add(size + " bytes");
            } else {
                unmatched.remove(match);
            }
        }
        String seen = "the guest sees " + (devices.isEmpty() ? "no disks" : devices.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue() + " bytes").toList()) + "; the source has "
                + wanted.size() + " disk(s)";
        return missing.isEmpty() && listed.exitCode() == 0 ? new Attempt(true, seen)
                : new Attempt(false, seen + (missing.isEmpty() ? "" : ", none of " + missing));
    }

    /** The command over SSH (port 22 unless the check says), logged in with the check's Secret. */
    private Attempt command(TestSuite.Check check) throws IOException {
        int port = check.port() != null ? check.port() : 22;
        GuestAccess.Run run = GuestSsh.run(guest.port(port), secrets.apply(check.credentials().secret()),
                check.command(), Duration.ofSeconds(30));
        String output = run.output().strip();
        boolean passed = run.exitCode() == 0 && (check.expectOutput() == null
                || Pattern.compile(check.expectOutput(), Pattern.MULTILINE).matcher(output).find());
        return new Attempt(passed, "exit " + run.exitCode() + ", output: " + cut(output));
    }

    private Attempt http(TestSuite.Check check) throws IOException, InterruptedException {
        InetSocketAddress at = guest.port(check.port());
        URI uri = URI.create("http://" + at.getHostString() + ":" + at.getPort() + check.pathOrDefault());
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET()
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String body = response.body();
        boolean passed = response.statusCode() == check.expectStatusOrDefault()
                && (check.expectBody() == null || Pattern.compile(check.expectBody()).matcher(body).find());
        return new Attempt(passed, "HTTP " + response.statusCode() + " from guest port " + check.port()
                + check.pathOrDefault() + ", body starts: " + cut(body));
    }

    /**
     * Open: the connection is accepted and stays up (or the guest speaks first). Closed: refused, or, through a
     * forward that accepts for the guest, closed at once.
     */
    private Attempt tcp(TestSuite.Check check) throws IOException {
        InetSocketAddress at = guest.port(check.port());
        boolean open;
        String seen;
        try (Socket socket = new Socket()) {
            socket.connect(at, 5000);
            socket.setSoTimeout(1500);
            InputStream in = socket.getInputStream();
            try {
                int first = in.read();
                open = first >= 0;
                seen = open ? "the guest spoke first" : "the connection was closed at once";
            } catch (SocketTimeoutException e) {
                open = true;
                seen = "the connection stayed open";
            }
        } catch (java.net.ConnectException e) {
            open = false;
            seen = "connection refused";
        }
        return new Attempt(open == check.expectsOpen(), "guest port " + check.port() + ": " + seen);
    }

    private static String cut(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() > EVIDENCE_CHARS ? flat.substring(0, EVIDENCE_CHARS) + "..." : flat;
    }
}
