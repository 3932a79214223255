package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
        ByteBuffer start = ByteBuffer.allocate((int) Math.min(512, source.size()));
        source.readFully(0, start);
        start.flip();
        DiskImage image;
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
        // oVirt labels the qcow2 disks of its OVA exports as VMDK: a declared VMDK may be either.
        boolean fits = switch (declared) {
            case VMDK -> image.format().startsWith("vmdk") || image.format().equals("qcow2");
            case QCOW2 -> image.format().equals("qcow2");
            default -> true;
        };
        if (!fits) {
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
        return resolved;
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
