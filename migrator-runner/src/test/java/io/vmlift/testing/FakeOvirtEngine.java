package io.vmlift.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An oVirt engine as far as the documented API goes (the wire format of org.ovirt.engine.api:model 4.5's XML
 * examples, and the SSO token endpoint the SDK logs in at), over HTTPS with a certificate of its own: no oVirt
 * engine can run here. It serves two VMs (one with a LUN disk) with their disk attachments, disks, NICs and vNIC
 * profiles when asked to follow them, storage domains and networks, and refuses a wrong password as SSO does.
 */
public final class FakeOvirtEngine implements AutoCloseable {
    public static final String USER = "admin@internal";

    private final HttpsServer server;
    private final String password;
    private final String caPem;
    private final Map<String, String> tokens = new HashMap<>();
    private final Map<String, Path> diskData = new HashMap<>();
    private final Map<String, String> vmStatus = new HashMap<>(Map.of("vm-web", "up", "vm-db", "down"));
    /** Transfer id to [disk id, phase]. */
    private final Map<String, String[]> transfers = new java.util.LinkedHashMap<>();
    private final java.util.List<String> actions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Fault fault = Fault.NONE;
    private final java.util.concurrent.atomic.AtomicInteger downloads = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger cuts = new java.util.concurrent.atomic.AtomicInteger();

    /** What the engine does wrong on purpose. */
    public enum Fault {
        NONE,
        /** Every API call after login answers 401, as with a token the engine no longer knows. */
        EXPIRED_TOKEN,
        /** A new transfer goes to finished_failure instead of transferring. */
        TRANSFER_FAILS,
        /** Every second ranged GET is cut after 64 KiB of real data. */
        CUT_DOWNLOADS,
        /** web-1's disk is illegal, as after a failed operation (DiskStatus ILLEGAL in the API model). */
        DISK_ILLEGAL,
        /** web-1's disk is locked by another operation (DiskStatus LOCKED). */
        DISK_LOCKED
    }

    public FakeOvirtEngine breakWith(Fault what) {
        fault = what;
        return this;
    }

    /** How many downloads imageio cut on purpose. */
    public int cutDownloads() {
        return cuts.get();
    }

    /** Deletes a VM behind vmlift's back: the engine answers 404 for it (its list entry stays, as a stale read). */
    public synchronized void delete(String id) {
        vmStatus.remove(id);
    }

    /** Starts a VM (as someone did in the engine's UI). */
    public synchronized void start(String id) {
        vmStatus.put(id, "up");
    }

    /** A VM's status as the engine holds it: up or down. */
    public synchronized String vmStatus(String id) {
        return vmStatus.get(id);
    }

    public FakeOvirtEngine(Path work, String password) throws Exception {
        this.password = password;
        Files.createDirectories(work);
        TestTls tls = TestTls.shared();
        caPem = tls.caPem();
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
        server.createContext("/ovirt-engine/sso/oauth/token", this::token);
        server.createContext("/ovirt-engine/services/sso-logout", exchange -> answer(exchange, 200, "application/json", "{}"));
        server.createContext("/ovirt-engine/api", this::api);
        server.createContext("/images/", this::imageio);
        server.start();
    }

    /** https://127.0.0.1:PORT/ovirt-engine/api */
    public String apiUrl() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/ovirt-engine/api";
    }

    /** The bytes of a disk (a raw image file), served through image transfers of it. */
    public FakeOvirtEngine diskData(String diskId, Path raw) {
        diskData.put(diskId, raw);
        return this;
    }

    /** The transfers created so far, as "id disk phase". */
    public synchronized java.util.List<String> transfers() {
        return transfers.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()[0] + " " + e.getValue()[1])
                .toList();
    }

    /** The VM actions called, as "vm-web shutdown". */
    public java.util.List<String> actions() {
        return java.util.List.copyOf(actions);
    }

    /** The engine's CA certificate (its own, self-signed), PEM, as a Secret's cacert holds it. */
    public String caPem() {
        return caPem;
    }

    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> form = new HashMap<>();
        for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!USER.equals(form.get("username")) || !password.equals(form.get("password"))) {
            answer(exchange, 400, "application/json", "{\"error_code\":\"access_denied\",\"error\":\"Cannot"
                    + " authenticate user '" + form.get("username") + "': The username or password is incorrect.\"}");
            return;
        }
        String token = UUID.randomUUID().toString();
        synchronized (tokens) {
            tokens.put(token, form.get("username"));
        }
        answer(exchange, 200, "application/json", "{\"access_token\":\"" + token + "\",\"scope\":\"ovirt-app-api\","
                + "\"exp\":\"" + (System.currentTimeMillis() + 3_600_000) + "\",\"token_type\":\"bearer\"}");
    }

    private void api(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        boolean known;
        synchronized (tokens) {
            known = authorization != null && authorization.startsWith("Bearer ")
                    && tokens.containsKey(authorization.substring(7));
        }
        if (!known || fault == Fault.EXPIRED_TOKEN) {
            answer(exchange, 401, "application/xml", "<fault><reason>Unauthorized</reason></fault>");
            return;
        }
        String path = exchange.getRequestURI().getPath().replaceFirst("^/ovirt-engine/api", "");
        String query = exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery();
        if (path.matches("/vms/[^/]+/(shutdown|stop|start)")) {
            String[] parts = path.split("/");
            actions.add(parts[2] + " " + parts[3]);
            synchronized (this) {
                vmStatus.put(parts[2], parts[3].equals("start") ? "up" : "down");
            }
            answer(exchange, 200, "application/xml", "<action><status>complete</status></action>");
            return;
        }
        if (path.matches("/vms/[^/]+")) {
            String id = path.substring(5);
            String status;
            synchronized (this) {
                status = vmStatus.get(id);
            }
            answer(exchange, status == null ? 404 : 200, "application/xml", status == null
                    ? "<fault><reason>Not Found</reason></fault>"
                    : "<vm href=\"/ovirt-engine/api/vms/" + id + "\" id=\"" + id + "\"><status>" + status + "</status></vm>");
            return;
        }
        if (path.equals("/imagetransfers") && exchange.getRequestMethod().equals("POST")) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            java.util.regex.Matcher disk = java.util.regex.Pattern.compile("<disk[^>]*id=\"([^\"]+)\"").matcher(body);
            String id;
            synchronized (this) {
                id = "t-" + (transfers.size() + 1);
                transfers.put(id, new String[] {disk.find() ? disk.group(1) : "?", "initializing"});
            }
            answer(exchange, 201, "application/xml", transfer(id));
            return;
        }
        if (path.matches("/imagetransfers/[^/]+(/finalize|/cancel)?")) {
            String[] parts = path.split("/");
            synchronized (this) {
                String[] transfer = transfers.get(parts[2]);
                if (transfer == null) {
                    answer(exchange, 404, "application/xml", "<fault><reason>Not Found</reason></fault>");
                    return;
                }
                if (parts.length == 4) {
                    transfer[1] = parts[3].equals("finalize") ? "finished_success" : "cancelled";
                    answer(exchange, 200, "application/xml", "<action><status>complete</status></action>");
                    return;
                }
                if (transfer[1].equals("initializing")) {
                    // The engine prepares it between two polls.
                    transfer[1] = fault == Fault.TRANSFER_FAILS ? "finished_failure" : "transferring";
                }
            }
            answer(exchange, 200, "application/xml", transfer(parts[2]));
            return;
        }
        switch (path) {
            case "", "/" -> answer(exchange, 200, "application/xml", "<api><product_info><name>oVirt Engine</name>"
                    + "</product_info></api>");
            case "/vms" -> answer(exchange, 200, "application/xml", vms(query.contains("follow="))
                    .replace("<name>web-1_Disk1</name>", "<name>web-1_Disk1</name>" + webDiskStatus())
                    .replace("<shareable>false</shareable><status>ok</status>", "<shareable>false</shareable>"));
            case "/networks" -> answer(exchange, 200, "application/xml", NETWORKS);
            case "/storagedomains" -> answer(exchange, 200, "application/xml", STORAGE_DOMAINS);
            default -> answer(exchange, 404, "application/xml", "<fault><reason>Not Found</reason>"
                    + "<detail>Entity not found: " + path + "</detail></fault>");
        }
    }

    private synchronized String transfer(String id) {
        String[] transfer = transfers.get(id);
        String url = "https://127.0.0.1:" + server.getAddress().getPort() + "/images/" + id;
        return "<image_transfer href=\"/ovirt-engine/api/imagetransfers/" + id + "\" id=\"" + id + "\">"
                + "<direction>download</direction><format>raw</format><phase>" + transfer[1] + "</phase>"
                + "<transfer_url>" + url + "</transfer_url><proxy_url>" + url + "</proxy_url>"
                + "<disk id=\"" + transfer[0] + "\"/></image_transfer>";
    }

    /** imageio: ranged GET of the disk's bytes, and /extents in 1 MiB runs, zero where the bytes are all zero. */
    private void imageio(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        Path data;
        synchronized (this) {
            String[] transfer = transfers.get(parts[2]);
            data = transfer == null || !transfer[1].equals("transferring") ? null : diskData.get(transfer[0]);
        }
        if (data == null) {
            answer(exchange, 403, "text/plain", "no such transfer, or it is not transferring");
            return;
        }
        byte[] bytes = Files.readAllBytes(data);
        if (parts.length > 3 && parts[3].equals("extents")) {
            StringBuilder json = new StringBuilder("[");
            int block = 1 << 20;
            for (int at = 0; at < bytes.length; at += block) {
                boolean zero = true;
                for (int i = at; i < Math.min(bytes.length, at + block) && zero; i++) {
                    zero = bytes[i] == 0;
                }
                json.append(at == 0 ? "" : ",").append("{\"start\":").append(at).append(",\"length\":")
                        .append(Math.min(block, bytes.length - at)).append(",\"zero\":").append(zero)
                        .append(",\"hole\":false}");
            }
            answer(exchange, 200, "application/json", json.append("]").toString());
            return;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(range == null ? "" : range);
        int from = 0;
        int to = bytes.length - 1;
        if (m.matches()) {
            from = Integer.parseInt(m.group(1));
            to = Math.min(bytes.length - 1, Integer.parseInt(m.group(2)));
        }
        exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + bytes.length);
        exchange.sendResponseHeaders(206, to - from + 1);
        boolean cut = fault == Fault.CUT_DOWNLOADS && to - from + 1 > 65536 && downloads.incrementAndGet() % 2 == 0;
        try (OutputStream out = exchange.getResponseBody()) {
            if (cut) {
                cuts.incrementAndGet();
                out.write(bytes, from, 65536);
                out.flush();
                exchange.getHttpContext().getServer(); // the connection is dropped below, mid-body
                throw new IOException("cut on purpose");
            }
            out.write(bytes, from, to - from + 1);
        }
    }

    private static final String NETWORKS = """
            <networks>
              <network href="/ovirt-engine/api/networks/net-mgmt" id="net-mgmt"><name>ovirtmgmt</name></network>
              <network href="/ovirt-engine/api/networks/net-app" id="net-app"><name>app</name>
                <vlan id="20"/></network>
            </networks>""";

    private static final String STORAGE_DOMAINS = """
            <storage_domains>
              <storage_domain href="/ovirt-engine/api/storagedomains/sd-data" id="sd-data"><name>data</name>
                <available>107374182400</available><used>53687091200</used><type>data</type></storage_domain>
              <storage_domain href="/ovirt-engine/api/storagedomains/sd-fast" id="sd-fast"><name>fast</name>
                <available>10737418240</available><used>1073741824</used><type>data</type></storage_domain>
            </storage_domains>""";

    /** web-1's disk status as the fault has it (types/DiskStatus.java: ok, illegal, locked). */
    private String webDiskStatus() {
        return switch (fault) {
            case DISK_ILLEGAL -> "<status>illegal</status>";
            case DISK_LOCKED -> "<status>locked</status>";
            default -> "<status>ok</status>";
        };
    }

    /** With follow, the disk attachments, disks, NICs and vNIC profiles inline, as the engine answers it. */
    private static String vms(boolean follow) {
        String web = """
                <vm href="/ovirt-engine/api/vms/vm-web" id="vm-web"><name>web-1</name><status>up</status>
                  <memory>4294967296</memory><bios><type>q35_ovmf</type></bios><os><type>rhel_9x64</type></os>
                  <cpu><topology><cores>2</cores><sockets>2</sockets><threads>1</threads></topology></cpu>
                  <cluster href="/ovirt-engine/api/clusters/c1" id="c1"/>%s</vm>""";
        String db = """
                <vm href="/ovirt-engine/api/vms/vm-db" id="vm-db"><name>db-1</name><status>down</status>
                  <memory>8589934592</memory><bios><type>i440fx_sea_bios</type></bios><os><type>other</type></os>
                  <cpu><topology><cores>4</cores><sockets>1</sockets><threads>1</threads></topology>
                    <cpu_tune><vcpu_pins><vcpu_pin><cpu_set>0-1</cpu_set><vcpu>0</vcpu></vcpu_pin></vcpu_pins></cpu_tune></cpu>
                  <usb><enabled>true</enabled></usb><numa_tune_mode>strict</numa_tune_mode>
                  <high_availability><enabled>true</enabled><priority>1</priority></high_availability>
                  <memory_policy><ballooning>true</ballooning></memory_policy>
                  <cluster href="/ovirt-engine/api/clusters/c1" id="c1"/>%s</vm>""";
        if (!follow) {
            return "<vms>" + web.formatted("") + db.formatted("") + "</vms>";
        }
        String webLinks = """
                <disk_attachments><disk_attachment id="da-web-0"><bootable>true</bootable>
                  <interface>virtio_scsi</interface><active>true</active>
                  <disk href="/ovirt-engine/api/disks/d-web-0" id="d-web-0"><name>web-1_Disk1</name>
                    <provisioned_size>21474836480</provisioned_size><actual_size>3221225472</actual_size>
                    <format>cow</format><sparse>true</sparse><shareable>false</shareable><status>ok</status>
                    <storage_type>image</storage_type>
                    <storage_domains><storage_domain id="sd-data"/></storage_domains></disk>
                </disk_attachment></disk_attachments>
                <nics><nic href="/ovirt-engine/api/vms/vm-web/nics/n-web-0" id="n-web-0"><name>nic1</name>
                  <interface>virtio</interface><mac><address>56:6F:1A:2B:00:01</address></mac>
                  <vnic_profile id="vp-app"><name>app</name><network id="net-app"/></vnic_profile></nic></nics>""";
        String dbLinks = """
                <disk_attachments><disk_attachment id="da-db-0"><bootable>true</bootable>
                  <interface>virtio</interface><active>true</active>
                  <disk href="/ovirt-engine/api/disks/d-db-0" id="d-db-0"><name>db-1_Disk1</name>
                    <provisioned_size>10737418240</provisioned_size><format>raw</format><sparse>false</sparse>
                    <shareable>true</shareable><status>ok</status><storage_type>image</storage_type>
                    <storage_domains><storage_domain id="sd-fast"/></storage_domains></disk>
                </disk_attachment><disk_attachment id="da-db-1"><interface>virtio_scsi</interface>
                  <disk href="/ovirt-engine/api/disks/d-db-lun" id="d-db-lun"><name>db-1_lun</name>
                    <provisioned_size>107374182400</provisioned_size><shareable>false</shareable>
                    <storage_type>lun</storage_type></disk>
                </disk_attachment></disk_attachments>
                <nics><nic id="n-db-0"><name>nic1</name><interface>e1000</interface>
                  <mac><address>56:6f:1a:2b:00:02</address></mac>
                  <vnic_profile id="vp-mgmt"><name>ovirtmgmt</name><network id="net-mgmt"/>
                    <pass_through><mode>enabled</mode></pass_through></vnic_profile></nic></nics>
                <host_devices><host_device id="hd-1"><name>pci_0000_3b_00_0</name></host_device></host_devices>
                <watchdogs><watchdog id="wd-1"><action>reset</action><model>i6300esb</model></watchdog></watchdogs>""";
        return "<vms>" + web.formatted(webLinks) + db.formatted(dbLinks) + "</vms>";
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
