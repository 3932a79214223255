package io.vmlift.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.Overlay;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A migrated VM of the folder target booted on this machine with QEMU, as its VirtualMachine manifest says:
 * CPU topology, memory, firmware (SeaBIOS, or OVMF for EFI and Secure Boot), each disk on the manifest's bus,
 * each NIC of the manifest's model with its MAC. KVM when /dev/kvm is there and a guest starts on it, else TCG
 * (some sandboxes offer a /dev/kvm on which QEMU aborts at the first instruction).
 * The migrated images are never written: the guest boots from qcow2 overlays in a work folder, which close()
 * removes with the process (the console's evidence is in the report by then), as does the JVM's end.
 *
 * <p>Networking is QEMU's user network, with the checked TCP ports of the first NIC (the pod network's)
 * forwarded from loopback; a forwarded port the guest refuses is accepted by QEMU and closed at once.
 */
public final class QemuGuest implements GuestAccess {
    static final String QEMU = "qemu-system-x86_64";
    private static final String AGENT_SOCKET = "qga.sock";
    private static final Path OVMF = Path.of("/usr/share/OVMF");

    private final String name;
    private final Process process;
    private final Path work;
    private final Path console;
    private final Map<Integer, Integer> forwards;
    private final Thread cleanup;
    /** How the guest is run: "KVM", or "TCG" and why. */
    private final String accelerator;

    private QemuGuest(String name, Process process, Path work, Path console, Map<Integer, Integer> forwards,
            String accelerator) {
        this.accelerator = accelerator;
        this.name = name;
        this.process = process;
        this.work = work;
        this.console = console;
        this.forwards = forwards;
        this.cleanup = new Thread(this::stop, "vmlift-qemu-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Boots the VM whose manifest is vmFolder/virtualmachine.yaml.
     *
     * @param guestPorts the TCP ports of the guest that checks will reach
     * @param work where the overlays, firmware variables and console log go (made empty; removed on close)
     */
    public static QemuGuest boot(Path vmFolder, Set<Integer> guestPorts, Path work) throws IOException {
        JsonNode vm = Serialization.yaml().readTree(vmFolder.resolve("virtualmachine.yaml").toFile());
        String name = vm.at("/metadata/name").asText();
        Files.createDirectories(work);
        Path console = work.resolve("console.log");
        Map<Integer, Integer> forwards = new LinkedHashMap<>();
        for (int port : guestPorts) {
            forwards.put(port, freePort());
        }
        Path kvm = Path.of("/dev/kvm");
        if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
            Process process = start(command(vm, vmFolder, work, console, forwards, true), work);
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    return new QemuGuest(name, process, work, console, forwards, "KVM");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting QEMU", e);
            }
            String said = Files.readString(work.resolve("qemu.log")).lines().findFirst().orElse("");
            Files.deleteIfExists(console);
            return new QemuGuest(name, start(command(vm, vmFolder, work, console, forwards, false), work), work,
                    console, forwards, "TCG (KVM failed here: " + said + ")");
        }
        return new QemuGuest(name, start(command(vm, vmFolder, work, console, forwards, false), work), work,
                console, forwards, "TCG (no usable /dev/kvm)");
    }

    private static Process start(List<String> command, Path work) throws IOException {
        Files.writeString(work.resolve("qemu-command.txt"), String.join(" ", command) + "\n");
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(work.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new VmliftException(ExitCode.FAILED, QEMU + " could not be started (" + e.getMessage()
                    + "); install Debian's qemu-system-x86 and ovmf to boot migrated VMs with --boot");
        }
    }

    /** "KVM", or "TCG" and why not KVM. */
    public String accelerator() {
        return accelerator;
    }

    /** QEMU's command line for the manifest's domain. */
    static List<String> command(JsonNode vm, Path vmFolder, Path work, Path console, Map<Integer, Integer> forwards,
            boolean kvm) throws IOException {
        JsonNode spec = vm.at("/spec/template/spec");
        JsonNode domain = spec.path("domain");
        List<String> args = new ArrayList<>(List.of(QEMU, "-name", "vmlift-test-" + vm.at("/metadata/name").asText(),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-cpu", kvm ? "host" : "max"));
        JsonNode efi = domain.at("/firmware/bootloader/efi");
        boolean secureBoot = efi.path("secureBoot").asBoolean(false);
        args.addAll(List.of("-machine", "q35,accel=" + (kvm ? "kvm" : "tcg") + (secureBoot ? ",smm=on" : "")));
        JsonNode cpu = domain.path("cpu");
        int sockets = Math.max(1, cpu.path("sockets").asInt(1));
        int cores = Math.max(1, cpu.path("cores").asInt(1));
        int threads = Math.max(1, cpu.path("threads").asInt(1));
        args.addAll(List.of("-smp", "sockets=" + sockets + ",cores=" + cores + ",threads=" + threads));
        String memory = domain.at("/memory/guest").asText(domain.at("/resources/requests/memory").asText("512Mi"));
        long mib = Quantity.getAmountInBytes(new Quantity(memory)).longValue() >> 20;
        args.addAll(List.of("-m", Long.toString(Math.max(64, mib))));
        if (!efi.isMissingNode()) {
            // Debian's ovmf: the 4 MiB builds; Secure Boot with Microsoft's keys enrolled, as KubeVirt's.
            Path code = OVMF.resolve(secureBoot ? "OVMF_CODE_4M.secboot.fd" : "OVMF_CODE_4M.fd");
            Path vars = work.resolve("OVMF_VARS.fd");
            Files.copy(OVMF.resolve(secureBoot ? "OVMF_VARS_4M.ms.fd" : "OVMF_VARS_4M.fd"), vars,
                    StandardCopyOption.REPLACE_EXISTING);
            if (secureBoot) {
                args.addAll(List.of("-global", "driver=cfi.pflash01,property=secure,value=on"));
            }
            args.addAll(List.of("-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + code,
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars));
        }
        args.addAll(List.of("-serial", "file:" + console));
        // The guest agent's channel, as KubeVirt gives every VM: a virtio-serial port named for the agent.
        args.addAll(List.of("-chardev", "socket,id=qga0,path=" + work.resolve(AGENT_SOCKET) + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=serial0",
                "-device", "virtserialport,bus=serial0.0,chardev=qga0,name=org.qemu.guest_agent.0"));
        Map<String, String> volumes = new LinkedHashMap<>();
        for (JsonNode volume : spec.path("volumes")) {
            volumes.put(volume.path("name").asText(), volume.at("/dataVolume/name").asText(null));
        }
        boolean ahci = false;
        boolean scsi = false;
        int index = 0;
        for (JsonNode disk : domain.at("/devices/disks")) {
            String dataVolume = volumes.get(disk.path("name").asText());
            if (dataVolume == null) {
                continue; // a cloud-init or container disk vmlift does not write
            }
            Path image = image(vmFolder, dataVolume);
            Path overlay = work.resolve("disk-" + index + ".qcow2");
            Overlay.create(image, image.toString().endsWith(".qcow2") ? "qcow2" : "raw", overlay);
            String drive = "d" + index;
            args.addAll(List.of("-drive", "file=" + overlay + ",if=none,id=" + drive + ",format=qcow2"));
            String boot = disk.has("bootOrder") ? ",bootindex=" + disk.path("bootOrder").asInt() : "";
            String bus = disk.at("/disk/bus").asText("virtio");
            switch (bus) {
                case "sata" -> {
                    if (!ahci) {
                        args.addAll(List.of("-device", "ahci,id=ahci0"));
                        ahci = true;
                    }
                    args.addAll(List.of("-device", "ide-hd,drive=" + drive + ",bus=ahci0." + index + boot));
                }
                case "scsi" -> {
                    if (!scsi) {
                        args.addAll(List.of("-device", "virtio-scsi-pci,id=scsi0"));
                        scsi = true;
                    }
                    args.addAll(List.of("-device", "scsi-hd,drive=" + drive + ",bus=scsi0.0" + boot));
                }
                default -> args.addAll(List.of("-device", "virtio-blk-pci,drive=" + drive + boot));
            }
            index++;
        }
        int nic = 0;
        for (JsonNode iface : domain.at("/devices/interfaces")) {
            StringBuilder netdev = new StringBuilder("user,id=n" + nic);
            if (nic == 0) {
                forwards.forEach((guest, host) -> netdev.append(",hostfwd=tcp:127.0.0.1:").append(host)
                        .append("-:").append(guest));
            }
            args.addAll(List.of("-netdev", netdev.toString()));
            String device = switch (iface.path("model").asText("virtio")) {
                case "e1000e" -> "e1000e";
                case "e1000" -> "e1000";
                case "rtl8139" -> "rtl8139";
                case "pcnet" -> "pcnet";
                case "ne2k_pci" -> "ne2k_pci";
                default -> "virtio-net-pci";
            };
            String mac = iface.path("macAddress").asText("");
            args.addAll(List.of("-device", device + ",netdev=n" + nic + (mac.isEmpty() ? "" : ",mac=" + mac)));
            nic++;
        }
        return args;
    }

    /** The image of a DataVolume in the VM's folder: qcow2 or raw, as migrate wrote it. */
    private static Path image(Path vmFolder, String dataVolume) throws IOException {
        for (String extension : List.of(".qcow2", ".img")) {
            Path image = vmFolder.resolve(dataVolume + extension);
            if (Files.isRegularFile(image)) {
                return image;
            }
        }
        throw new IOException("no image of DataVolume " + dataVolume + " in " + vmFolder + "; migrate it first");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String console() throws IOException {
        return Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
    }

    @Override
    public InetSocketAddress port(int guestPort) throws IOException {
        Integer host = forwards.get(guestPort);
        if (host == null) {
            throw new IOException("guest port " + guestPort + " is not forwarded");
        }
        return new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), host);
    }

    @Override
    public JsonNode agentOsInfo() throws IOException {
        return agent(Serialization.json().createObjectNode().put("execute", "guest-get-osinfo"));
    }

    @Override
    public Run run(List<String> command, java.time.Duration timeout) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode exec = Serialization.json().createObjectNode()
                .put("execute", "guest-exec");
        com.fasterxml.jackson.databind.node.ObjectNode arguments = exec.putObject("arguments")
                .put("path", command.get(0)).put("capture-output", true);
        command.subList(1, command.size()).forEach(arguments.putArray("arg")::add);
        long pid = agent(exec).path("pid").asLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            com.fasterxml.jackson.databind.node.ObjectNode status = Serialization.json().createObjectNode()
                    .put("execute", "guest-exec-status");
            status.putObject("arguments").put("pid", pid);
            JsonNode answer = agent(status);
            if (answer.path("exited").asBoolean()) {
                byte[] out = java.util.Base64.getDecoder().decode(answer.path("out-data").asText(""));
                return new Run(answer.path("exitcode").asInt(), new String(out, StandardCharsets.UTF_8));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException(command.get(0) + " did not end in the guest within " + timeout.toSeconds() + " s");
    }

    /**
     * One command over the agent's socket, answered by one line within a few seconds (an absent agent never
     * answers); the answer's "return".
     */
    private JsonNode agent(JsonNode command) throws IOException {
        Path socket = work.resolve(AGENT_SOCKET);
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(socket))) {
            channel.write(java.nio.ByteBuffer.wrap((Serialization.toCompactJson(command) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            channel.configureBlocking(false);
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && answer.size() < (1 << 20)) {
                int n = channel.read(buffer.clear());
                if (n < 0) {
                    break;
                }
                answer.write(buffer.array(), 0, n);
                if (answer.toString(StandardCharsets.UTF_8).contains("\n")) {
                    break;
                }
                if (n == 0) {
                    Thread.sleep(50);
                }
            }
            String line = answer.toString(StandardCharsets.UTF_8).strip();
            if (line.isEmpty()) {
                throw new IOException("no guest agent answered on org.qemu.guest_agent.0");
            }
            JsonNode reply = Serialization.json().readTree(line.lines().findFirst().orElse(""));
            if (!reply.has("return")) {
                throw new IOException("the guest agent answered " + reply.path("error").path("desc").asText(line));
            }
            return reply.path("return");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public boolean running() {
        return process.isAlive();
    }

    /** What QEMU itself said: its last lines, and its exit code. */
    @Override
    public String whyStopped() {
        Path log = work.resolve("qemu.log");
        try {
            String said = Files.exists(log) ? Files.readString(log).strip() : "";
            List<String> lines = said.lines().toList();
            String last = String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
            return "QEMU exited" + (process.isAlive() ? "" : " with " + process.exitValue())
                    + (last.isEmpty() ? "" : ": " + last);
        } catch (IOException e) {
            return "QEMU exited";
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is ending: the hook runs stop() anyway
        }
    }

    private void stop() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Overlay.deleteTree(work);
        } catch (IOException e) {
            // best effort: the overlays are in a temporary folder
        }
    }
}
