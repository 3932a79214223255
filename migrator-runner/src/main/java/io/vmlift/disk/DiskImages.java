package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens a disk image by looking at its first bytes, whatever its file name says. */
public final class DiskImages {
    /** Opens a file that sits next to the image (the extents a VMDK descriptor names). */
    @FunctionalInterface
    public interface SiblingResolver {
        ByteSource open(String fileName) throws IOException;
    }

    /** The format a package declares for a disk (OVF's ovf:format); a disk must then be of that family. */
    public enum Declared {
        VMDK, RAW, QCOW2, ANY;

        /** From an OVF format URI such as http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized. */
        public static Declared fromUri(String uri) {
            String lower = uri == null ? "" : uri.toLowerCase(Locale.ROOT);
            if (lower.contains("vmdk")) {
                return VMDK;
            }
            if (lower.contains("qcow")) {
                return QCOW2;
            }
            return lower.contains("raw") ? RAW : ANY;
        }
    }

    private DiskImages() {}

    /** Opens an image by its first bytes (any format). */
    public static DiskImage open(ByteSource source, SiblingResolver siblings) throws IOException {
        return open(source, siblings, Declared.ANY);
    }

    /**
     * Opens an image of the declared family. A disk declared raw is never probed: its first bytes are guest
     * data, and a guest could write a VMDK descriptor there that names files on this machine.
     */
    public static DiskImage open(ByteSource source, SiblingResolver siblings, Declared declared) throws IOException {
        if (declared == Declared.RAW) {
            return new RawImage(source);
        }
        DiskImage image;
        try {
            ByteBuffer start = ByteBuffer.allocate((int) Math.min(512, source.size()));
            source.readFully(0, start);
            start.flip();
            if (SparseVmdkImage.matches(start.duplicate())) {
                image = new SparseVmdkImage(source);
            } else if (isDescriptor(start)) {
                try (source) {
                    image = DescriptorVmdkImage.open(source, siblings);
                }
            } else if (Qcow2Image.matches(start.duplicate())) {
                image = new Qcow2Image(source);
            } else {
                image = new RawImage(source);
            }
        } catch (IOException | RuntimeException e) {
            // The image never took the source over: close it here (an inflated temporary file is deleted then).
            source.close();
            throw e;
        }
        // oVirt labels the qcow2 disks of its OVA exports as VMDK: a declared VMDK may be either.
        if (!fits(declared, image.format().startsWith("vmdk") ? "vmdk" : image.format())) {
            image.close();
            throw new CorruptImageException(source.name() + ": declared as " + declared.name().toLowerCase(Locale.ROOT)
                    + " but its contents are " + image.format() + "; the package is corrupt or mislabelled");
        }
        return image;
    }

    /**
     * The file a package or descriptor names, which must lie in folder: a relative name without "..",
     * never an absolute path or a URL.
     */
    public static Path resolveInside(Path folder, String name) throws CorruptImageException {
        Path base = folder.toAbsolutePath().normalize();
        Path resolved = base.resolve(name).normalize();
        if (name.contains(":") || name.startsWith("/") || name.startsWith("\\") || !resolved.startsWith(base)) {
            throw new CorruptImageException("'" + name + "' points outside its package; only names of files"
                    + " beside the descriptor are allowed");
        }
        // A symbolic link is followed by every later open: where it really leads must be inside too.
        if (Files.exists(resolved)) {
            try {
                Path real = resolved.toRealPath();
                if (!real.startsWith(base.toRealPath())) {
                    throw new CorruptImageException("'" + name + "' is a symbolic link to a file outside its package;"
                            + " copy the file into the package instead");
                }
                return real;
            } catch (IOException e) {
                throw new CorruptImageException("'" + name + "' cannot be resolved: " + e.getMessage());
            }
        }
        return resolved;
    }

    /**
     * The same refusal in the engine and in plan checks: an image larger than the capacity its source
     * declares would not fit the target disk made for it.
     */
    public static void requireFits(DiskImage image, long declaredCapacity, String diskName)
            throws CorruptImageException {
        if (image.virtualSize() > declaredCapacity) {
            throw new CorruptImageException("disk " + diskName + ": the image holds " + image.virtualSize()
                    + " bytes, more than the " + declaredCapacity + " the source declares; fix the declared capacity");
        }
    }

    /**
     * What the first bytes of an image say: its family (vmdk, qcow2, raw) and, for sparse VMDK and qcow2, the
     * virtual size in its header (-1 when the header has none). For images that can only be read as a stream
     * (gzip), where plan checks must not keep the whole file.
     */
    public record Probe(String family, long virtualSize) {}

    public static Probe probe(ByteBuffer start) {
        ByteBuffer bytes = start.duplicate();
        if (SparseVmdkImage.matches(bytes.duplicate()) && bytes.remaining() >= 20) {
            return new Probe("vmdk", orTooLarge(SparseVmdkImage.capacityBytes(bytes)));
        }
        if (isDescriptor(bytes.duplicate())) {
            return new Probe("vmdk", -1);
        }
        if (Qcow2Image.matches(bytes.duplicate()) && bytes.remaining() >= 32) {
            return new Probe("qcow2", orTooLarge(Qcow2Image.virtualSize(bytes)));
        }
        return new Probe("raw", -1);
    }

    /** A header's size, where -1 (no disk can be that large) becomes larger than any declared capacity. */
    private static long orTooLarge(long size) {
        return size < 0 ? Long.MAX_VALUE : size;
    }

    /** Whether the family a probe found is one the declared format allows (oVirt's qcow2 labelled VMDK too). */
    public static boolean fits(Declared declared, String family) {
        return switch (declared) {
            case VMDK -> family.equals("vmdk") || family.equals("qcow2");
            case QCOW2 -> family.equals("qcow2");
            default -> true;
        };
    }

    /** A disk of the given size with no data: an OVF disk that references no file. */
    public static DiskImage blank(long virtualSize) {
        ByteSource nothing = new ByteSource() {
            @Override
            public String name() {
                return "blank disk";
            }

            @Override
            public long size() {
                return 0;
            }

            @Override
            public int read(long position, java.nio.ByteBuffer dst) {
                return -1;
            }

            @Override
            public void close() {}
        };
        return new RawImage(nothing, virtualSize, "blank");
    }

    /** Opens a local file; extents that a descriptor names are looked up in the same folder. */
    public static DiskImage open(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        return open(FileByteSource.open(file), name -> FileByteSource.open(resolveInside(folder, name)));
    }

    private static boolean isDescriptor(ByteBuffer start) {
        String head = StandardCharsets.ISO_8859_1.decode(start.duplicate()).toString().toLowerCase(Locale.ROOT);
        return head.startsWith("# disk descriptorfile") || head.contains("\ncreatetype");
    }
}
