package io.vmlift.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A VMDK made of a text descriptor and extent files (monolithicFlat, twoGbMaxExtentFlat/Sparse, vmfs):
 * each extent line maps a run of sectors to a flat file, a sparse extent or zeros.
 */
public final class DescriptorVmdkImage implements DiskImage {
    private static final Pattern EXTENT_LINE = Pattern.compile(
            "^(RW|RDONLY|NOACCESS)\\s+(\\d+)\\s+(\\w+)(?:\\s+\"([^\"]+)\"(?:\\s+(\\d+))?)?\\s*$");
    private static final long SECTOR = 512;
    private static final Pattern PARENT_CID = Pattern.compile("(?m)^\\s*parentCID\\s*=\\s*\"?([0-9a-fA-F]+)");

    private record Part(long start, long length, DiskImage image) {}

    private final List<Part> parts;
    private final long virtualSize;
    private final String createType;

    private DescriptorVmdkImage(List<Part> parts, long virtualSize, String createType) {
        this.parts = parts;
        this.virtualSize = virtualSize;
        this.createType = createType;
    }

    /** Opens the extents a descriptor names, relative to where the descriptor is. */
    public static DescriptorVmdkImage open(ByteSource descriptor, DiskImages.SiblingResolver siblings) throws IOException {
        if (descriptor.size() > 1 << 20) {
            throw new CorruptImageException(descriptor.name() + ": a VMDK descriptor this large is not a descriptor");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) descriptor.size());
        descriptor.readFully(0, bytes);
        String text = new String(bytes.array(), StandardCharsets.UTF_8);
        requireNoParent(text, descriptor.name());
        String createType = "unknown";
        List<Part> parts = new ArrayList<>();
        long start = 0;
        int lineNumber = 0;
        try {
            for (String raw : text.split("\r?\n")) {
                lineNumber++;
                String line = raw.strip();
                if (line.toLowerCase(Locale.ROOT).startsWith("createtype")) {
                    createType = line.replaceAll("(?i)createtype\\s*=\\s*\"?([^\"]*)\"?", "$1");
                }
                Matcher extent = EXTENT_LINE.matcher(line);
                if (!extent.matches()) {
                    continue;
                }
                long sectors = sectors(extent.group(2), descriptor, lineNumber);
                String type = extent.group(3).toUpperCase(Locale.ROOT);
                String file = extent.group(4);
                long offsetSectors = extent.group(5) == null ? 0 : sectors(extent.group(5), descriptor, lineNumber);
                if (start + sectors * SECTOR > MAX_VIRTUAL_SIZE) {
                    throw new CorruptImageException(descriptor.name() + ":" + lineNumber + ": the extents add up to"
                            + " more than " + (MAX_VIRTUAL_SIZE >> 40) + " TiB: the descriptor is damaged");
                }
                DiskImage image = switch (type) {
                    case "ZERO" -> null;
                    case "FLAT", "VMFS", "VMFSRAW" -> flat(siblings, descriptor, file, offsetSectors, sectors, lineNumber);
                    case "SPARSE", "VMFSSPARSE" -> sparse(sibling(siblings, descriptor, file, lineNumber));
                    default -> throw new CorruptImageException(descriptor.name() + ":" + lineNumber + ": extent type "
                            + type + " is not supported (FLAT, SPARSE, VMFS and ZERO are)");
                };
                parts.add(new Part(start, sectors * SECTOR, image));
                start += sectors * SECTOR;
            }
        } catch (IOException | RuntimeException e) {
            for (Part part : parts) {
                if (part.image() != null) {
                    part.image().close();
                }
            }
            throw e;
        }
        if (parts.isEmpty()) {
            throw new CorruptImageException(descriptor.name() + ": the VMDK descriptor lists no extents");
        }
        return new DescriptorVmdkImage(parts, start, createType);
    }

    /**
     * A VMDK with a parent is a snapshot delta: alone it holds only the changed grains, and converting it would
     * silently give a disk of holes.
     */
    static void requireNoParent(String descriptorText, String where) throws CorruptImageException {
        Matcher parent = PARENT_CID.matcher(descriptorText);
        if (parent.find() && !parent.group(1).equalsIgnoreCase("ffffffff")) {
            throw new CorruptImageException(where + ": this VMDK is a snapshot delta of a parent disk (parentCID="
                    + parent.group(1) + "); consolidate the snapshots or convert the whole chain first");
        }
    }

    private static ByteSource sibling(DiskImages.SiblingResolver siblings, ByteSource descriptor, String file, int line)
            throws IOException {
        if (file == null) {
            throw new CorruptImageException(descriptor.name() + ":" + line + ": the extent line names no file");
        }
        try {
            return siblings.open(file);
        } catch (NoSuchFileException e) {
            throw new CorruptImageException(descriptor.name() + ":" + line + ": the extent file '" + file
                    + "' is missing; keep the descriptor and its extent files together");
        }
    }

    /** A sparse extent; its file is closed if it is no sparse VMDK after all. */
    private static DiskImage sparse(ByteSource extent) throws IOException {
        try {
            return new SparseVmdkImage(extent);
        } catch (IOException | RuntimeException e) {
            extent.close();
            throw e;
        }
    }

    /** A sector count of an extent line, at most MAX_VIRTUAL_SIZE bytes, so products cannot overflow. */
    private static long sectors(String digits, ByteSource descriptor, int line) throws CorruptImageException {
        try {
            long sectors = Long.parseLong(digits);
            if (sectors <= MAX_VIRTUAL_SIZE / SECTOR) {
                return sectors;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CorruptImageException(descriptor.name() + ":" + line + ": " + digits + " sectors is more than "
                + (MAX_VIRTUAL_SIZE >> 40) + " TiB: the descriptor is damaged");
    }

    private static DiskImage flat(DiskImages.SiblingResolver siblings, ByteSource descriptor, String file,
            long offsetSectors, long sectors, int line) throws IOException {
        ByteSource whole = sibling(siblings, descriptor, file, line);
        long offset = offsetSectors * SECTOR;
        long length = sectors * SECTOR;
        if (whole.size() < offset + length) {
            whole.close();
            throw new CorruptImageException(descriptor.name() + ":" + line + ": the flat extent '" + file + "' holds "
                    + whole.size() + " bytes, the descriptor needs " + (offset + length) + ": it is truncated");
        }
        return new RawImage(whole.owningSlice(whole.name(), offset, length), length, "raw");
    }

    @Override
    public String format() {
        return "vmdk-" + createType;
    }

    @Override
    public long virtualSize() {
        return virtualSize;
    }

    @Override
    public List<Extent> extents() throws IOException {
        List<Extent> extents = new ArrayList<>();
        for (Part part : parts) {
            if (part.image() == null) {
                continue;
            }
            for (Extent extent : part.image().extents()) {
                long offset = part.start() + extent.offset();
                long length = Math.min(extent.length(), part.length() - extent.offset());
                if (length <= 0) {
                    continue;
                }
                Extent last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
                if (last != null && last.end() == offset) {
                    extents.set(extents.size() - 1, new Extent(last.offset(), last.length() + length));
                } else {
                    extents.add(new Extent(offset, length));
                }
            }
        }
        return extents;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        for (Part part : parts) {
            if (!dst.hasRemaining()) {
                return;
            }
            if (at >= part.start() + part.length()) {
                continue;
            }
            int n = (int) Math.min(dst.remaining(), part.start() + part.length() - at);
            if (part.image() == null) {
                Zeros.fill(dst, n);
            } else {
                ByteBuffer window = dst.slice();
                window.limit(n);
                part.image().read(at - part.start(), window);
                dst.position(dst.position() + n);
            }
            at += n;
        }
        if (dst.hasRemaining()) {
            throw new EOFException("read past the virtual size at byte " + at);
        }
    }

    @Override
    public void close() throws IOException {
        for (Part part : parts) {
            if (part.image() != null) {
                part.image().close();
            }
        }
    }
}
