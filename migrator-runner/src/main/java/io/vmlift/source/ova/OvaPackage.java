package io.vmlift.source.ova;

import io.vmlift.disk.ByteSource;
import io.vmlift.disk.ConcatByteSource;
import io.vmlift.disk.CorruptImageException;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.disk.FileByteSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * One OVF package: an .ova (tar, read in place: members are windows of the file) or an .ovf with its files
 * beside it. Resolves the OVF's File references, including chunked and gzip-compressed files.
 */
final class OvaPackage implements Closeable {
    // "SHA256(disk.vmdk)= ab12..." (ovftool) and "SHA1 (disk.vmdk) = ab12..." (vSphere's exports).
    private static final Pattern MANIFEST_LINE =
            Pattern.compile("(?m)^\\s*(SHA1|SHA256|SHA512)\\s*\\((.+?)\\)\\s*=\\s*([0-9a-fA-F]+)\\s*$");
    /** VCSA's descriptor, the largest real one seen, is 330 KB; XML this large is no descriptor. */
    private static final long MAX_DESCRIPTOR_BYTES = 16 << 20;
    private final Path path;
    private final String location;
    private final OvfDescriptor descriptor;
    private final FileByteSource archive; // null for a plain .ovf
    private final Map<String, TarArchiveEntry> members;
    private final String ovfName; // the descriptor's own name, as the manifest lists it
    private final Map<String, String> digestResults = new ConcurrentHashMap<>();

    private OvaPackage(Path path, String location, OvfDescriptor descriptor, FileByteSource archive,
            Map<String, TarArchiveEntry> members, String ovfName) {
        this.path = path;
        this.location = location;
        this.descriptor = descriptor;
        this.archive = archive;
        this.members = members;
        this.ovfName = ovfName;
    }

    /** Opens an .ova or .ovf; location is how reports name it (relative to the provider's url). */
    static OvaPackage open(Path path, String location) throws IOException {
        return open(path, location, null);
    }

    /** @param deploymentOption the OVF configuration to read (provider setting deploymentOption), or null */
    static OvaPackage open(Path path, String location, String deploymentOption) throws IOException {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".ovf")) {
            if (Files.size(path) > MAX_DESCRIPTOR_BYTES) {
                throw new OvfException(location + ": " + Files.size(path) + " bytes is too large for an OVF descriptor");
            }
            try (InputStream xml = Files.newInputStream(path)) {
                return new OvaPackage(path, location, OvfParser.parse(xml, location, deploymentOption), null, Map.of(),
                        path.getFileName().toString());
            }
        }
        Map<String, TarArchiveEntry> members = new HashMap<>();
        TarArchiveEntry ovf = null;
        try (TarFile tar = new TarFile(path)) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                members.put(memberName(entry.getName()), entry);
                if (ovf == null && entry.getName().toLowerCase(Locale.ROOT).endsWith(".ovf")) {
                    ovf = entry;
                }
            }
            if (ovf == null) {
                throw new OvfException(location + ": the OVA holds no .ovf descriptor");
            }
            if (ovf.getSize() > MAX_DESCRIPTOR_BYTES) {
                throw new OvfException(location + "/" + ovf.getName() + ": " + ovf.getSize()
                        + " bytes is too large for an OVF descriptor");
            }
            OvfDescriptor descriptor;
            try (InputStream xml = tar.getInputStream(ovf)) {
                descriptor = OvfParser.parse(xml, location + "/" + ovf.getName(), deploymentOption);
            }
            return new OvaPackage(path, location, descriptor, FileByteSource.open(path), members,
                    memberName(ovf.getName()));
        } catch (OvfException e) {
            throw e;
        } catch (IOException e) {
            throw new OvfException(location + ": not a readable OVA (tar) archive: " + e.getMessage());
        }
    }

    /**
     * The digests of the package's manifest (.mf: lines like "SHA256(disk1.vmdk)= ab12..."), by file name;
     * empty when the package has none.
     */
    Map<String, String[]> manifest() throws IOException {
        // The manifest is named after the descriptor (OVF spec); an OVA with one other .mf gets that one.
        String name = ovfName.replaceFirst("(?i)\\.ovf$", ".mf");
        if (!has(name) && archive != null) {
            List<String> manifests = members.keySet().stream()
                    .filter(m -> m.toLowerCase(Locale.ROOT).endsWith(".mf")).toList();
            name = manifests.size() == 1 ? manifests.get(0) : name;
        }
        if (!has(name)) {
            return Map.of();
        }
        Map<String, String[]> digests = new HashMap<>();
        try (ByteSource source = openMember(name)) {
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(source.size(), 1 << 20));
            source.readFully(0, bytes);
            Matcher line = MANIFEST_LINE.matcher(new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8));
            while (line.find()) {
                digests.put(memberName(line.group(2)), new String[] {line.group(1).toUpperCase(Locale.ROOT), line.group(3).toLowerCase(Locale.ROOT)});
            }
        }
        return digests;
    }

    /** The descriptor's name in the package (the manifest lists its digest too). */
    String ovfName() {
        return ovfName;
    }

    /** The member names a referenced file is stored as (itself, or its chunks). */
    List<String> storedAs(OvfDescriptor.FileRef file) throws IOException {
        return parts(file);
    }

    /**
     * Null when the member's bytes have the digest, else what differs. Reads the whole member, once per
     * session: plan checks and the migration's own Validate phase ask the same question.
     */
    String checkDigest(String member, String algorithm, String expectedHex) throws IOException {
        String key = member + "\n" + algorithm + "\n" + expectedHex;
        String known = digestResults.get(key);
        if (known == null) {
            String problem = computeDigestProblem(member, algorithm, expectedHex);
            known = problem == null ? "" : problem;
            digestResults.put(key, known);
        }
        return known.isEmpty() ? null : known;
    }

    private String computeDigestProblem(String member, String algorithm, String expectedHex) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm.replaceFirst("SHA", "SHA-"));
        } catch (NoSuchAlgorithmException e) {
            return "the manifest uses " + algorithm + ", which vmlift cannot check";
        }
        try (ByteSource source = openMember(member)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < source.size(); ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), source.size() - at));
                source.readFully(at, buffer);
                digest.update(buffer.flip());
                at += buffer.limit();
            }
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        return actual.equals(expectedHex) ? null : display(member) + " has " + algorithm + " " + actual
                + ", the manifest says " + expectedHex;
    }

    String location() {
        return location;
    }

    OvfDescriptor descriptor() {
        return descriptor;
    }

    /** Tar member names as hrefs use them: `tar -C dir .` writes "./disk.vmdk". */
    private static String memberName(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }

    /** How messages name a file of the package: inside the .ova, or beside the .ovf. */
    String display(String href) {
        return archive != null ? location + "/" + href : Path.of(location).resolveSibling(href).toString();
    }

    boolean has(String href) throws IOException {
        return archive == null ? Files.isRegularFile(beside(href)) : members.containsKey(href);
    }

    private long memberSize(String href) throws IOException {
        return archive == null ? Files.size(beside(href)) : members.get(href).getSize();
    }

    /** A file next to the .ovf; hrefs that lead out of its folder are refused. */
    private Path beside(String href) throws IOException {
        try {
            return DiskImages.resolveInside(path.toAbsolutePath().getParent(), href);
        } catch (CorruptImageException e) {
            throw new OvfException(location + ": " + e.getMessage());
        }
    }

    /**
     * What is wrong with a referenced file as stored, or null: missing, a chunk missing, or a size other than
     * the OVF's ovf:size (a truncated export). Reads no data.
     */
    String problem(OvfDescriptor.FileRef file) throws IOException {
        List<String> parts = parts(file);
        if (parts.isEmpty() || !has(parts.get(0))) {
            return display(parts.isEmpty() ? file.href() : parts.get(0)) + " is missing";
        }
        long stored = 0;
        for (String part : parts) {
            stored += memberSize(part);
        }
        if (file.size() > 0 && stored != file.size()) {
            return display(file.href()) + " holds " + stored + " bytes" + (parts.size() > 1 ? " in " + parts.size()
                    + " chunks" : "") + ", the OVF says " + file.size() + ": it is truncated or a chunk is missing";
        }
        return null;
    }

    /** The member names that hold a file: itself, or its numbered chunks as far as they go. */
    private List<String> parts(OvfDescriptor.FileRef file) throws IOException {
        if (file.chunkSize() <= 0) {
            return List.of(file.href());
        }
        List<String> chunks = new ArrayList<>();
        for (int i = 0; has(chunkName(file.href(), i)); i++) {
            chunks.add(chunkName(file.href(), i));
        }
        return chunks;
    }

    /** The bytes of a referenced file, decompressed (at most limit bytes) and reassembled from chunks. */
    ByteSource open(OvfDescriptor.FileRef file, long limit) throws IOException {
        ByteSource raw = storedBytes(file);
        if ("gzip".equalsIgnoreCase(file.compression())) {
            return decompress(raw, limit);
        }
        return raw;
    }

    /** The stored bytes of a referenced file, reassembled from chunks, as the OVF says. */
    private ByteSource storedBytes(OvfDescriptor.FileRef file) throws IOException {
        String problem = problem(file);
        if (problem != null) {
            if (problem.endsWith(" is missing")) {
                throw new NoSuchFileException(problem);
            }
            throw new OvfException(problem);
        }
        List<String> parts = parts(file);
        ByteSource raw;
        if (parts.size() > 1 || file.chunkSize() > 0) {
            List<ByteSource> chunks = new ArrayList<>();
            for (String part : parts) {
                chunks.add(openMember(part));
            }
            raw = new ConcatByteSource(display(file.href()), chunks);
        } else {
            raw = openMember(file.href());
        }
        return raw;
    }

    /** Opens a file of the package by name (the extent files a VMDK descriptor names). */
    ByteSource openMember(String href) throws IOException {
        if (archive == null) {
            return FileByteSource.open(beside(href));
        }
        TarArchiveEntry entry = members.get(href);
        if (entry == null) {
            throw new NoSuchFileException(display(href));
        }
        if (!entry.isFile() || entry.isSparse()) {
            // A sparse member's stored bytes are not the file's bytes; OVF requires plain ustar members.
            throw new OvfException(display(href) + " is a " + (entry.isSparse() ? "sparse" : "special")
                    + " tar entry; re-create the OVA with a plain tar (tar --format=ustar, without --sparse)");
        }
        return archive.slice(display(href), entry.getDataOffset(), entry.getSize());
    }

    private static String chunkName(String href, int index) {
        return String.format("%s.%09d", href, index);
    }

    /**
     * At most how many bytes the stored file of a disk of this capacity can hold: the capacity, plus what its
     * format adds (grain markers and sector padding of a streamOptimized VMDK: up to 1/128; tables; headers).
     */
    static long storedLimit(long capacityBytes) {
        if (capacityBytes <= 0) {
            return 0; // no valid capacity (a Critical concern already): nothing may be inflated for it
        }
        long capacity = Math.min(capacityBytes, DiskImage.MAX_VIRTUAL_SIZE);
        return capacity + capacity / 64 + (16 << 20);
    }

    /**
     * Inflates a gzip file as a stream, handing each piece to sink, and stops with an error as soon as it
     * passes limit bytes: a small file that claims to be a disk can never fill memory or a disk.
     */
    private static void inflate(ByteSource compressed, long limit, Sink sink) throws IOException {
        try (InputStream in = new GZIPInputStream(new SourceInputStream(compressed), 1 << 16)) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new OvfException(compressed.name() + ": the gzip data inflates past " + limit
                            + " bytes, more than its disk's declared capacity allows; the package is corrupt or hostile");
                }
                sink.accept(ByteBuffer.wrap(buffer, 0, n));
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new OvfException(compressed.name() + ": the gzip data cannot be inflated (" + e.getMessage() + ")");
        }
    }

    /** Where inflated bytes go. */
    private interface Sink {
        void accept(ByteBuffer piece) throws IOException;
    }

    /**
     * What plan checks of a gzip file: it inflates whole, within the limit, into what the OVF declares and
     * no larger than the disk's capacity. Reads it as a stream and keeps nothing but its first bytes.
     */
    String gzipProblem(OvfDescriptor.FileRef file, OvfDescriptor.DiskDef disk) {
        ByteBuffer start = ByteBuffer.allocate(4096);
        try (ByteSource raw = storedBytes(file)) {
            inflate(raw, storedLimit(disk.capacityBytes()), piece -> {
                if (start.hasRemaining()) {
                    ByteBuffer slice = piece.duplicate();
                    slice.limit(slice.position() + Math.min(slice.remaining(), start.remaining()));
                    start.put(slice);
                }
            });
        } catch (IOException e) {
            return e.getMessage();
        }
        DiskImages.Probe probe = DiskImages.probe(start.flip());
        DiskImages.Declared declared = DiskImages.Declared.fromUri(disk.format());
        if (!DiskImages.fits(declared, probe.family())) {
            return display(file.href()) + ": declared as " + declared.name().toLowerCase(Locale.ROOT)
                    + " but its inflated contents are " + probe.family() + "; the package is corrupt or mislabelled";
        }
        if (disk.capacityBytes() > 0 && probe.virtualSize() > disk.capacityBytes()) {
            return display(file.href()) + ": the image inside holds " + probe.virtualSize() + " bytes, more than the "
                    + disk.capacityBytes() + " disk " + disk.id() + " declares; fix the declared capacity";
        }
        return null;
    }

    /**
     * A gzip stream has no random access: inflate it into a temporary file (at most limit bytes), deleted when
     * the returned source is closed (or, if inflating fails, at once).
     */
    private ByteSource decompress(ByteSource compressed, long limit) throws IOException {
        Path temporary = Files.createTempFile("vmlift-ova-", ".disk");
        try (compressed; java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(temporary,
                java.nio.file.StandardOpenOption.WRITE)) {
            inflate(compressed, limit, piece -> {
                while (piece.hasRemaining()) {
                    out.write(piece);
                }
            });
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        try {
            return FileByteSource.openTemporary(temporary, compressed.name());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (archive != null) {
            archive.close();
        }
    }

    /** Sequential reading of a ByteSource. */
    private static final class SourceInputStream extends InputStream {
        private final ByteSource source;
        private long position;

        SourceInputStream(ByteSource source) {
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = source.read(position, ByteBuffer.wrap(buffer, offset, length));
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }
}
