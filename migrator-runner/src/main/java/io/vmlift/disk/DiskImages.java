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

    private DiskImages() {}

    public static DiskImage open(ByteSource source, SiblingResolver siblings) throws IOException {
        ByteBuffer start = ByteBuffer.allocate((int) Math.min(512, source.size()));
        source.readFully(0, start);
        start.flip();
        if (SparseVmdkImage.matches(start.duplicate())) {
            return new SparseVmdkImage(source);
        }
        if (isDescriptor(start)) {
            try (source) {
                return DescriptorVmdkImage.open(source, siblings);
            }
        }
        if (Qcow2Image.matches(start.duplicate())) {
            return new Qcow2Image(source);
        }
        return new RawImage(source);
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
        return open(FileByteSource.open(file), name -> FileByteSource.open(folder.resolve(name)));
    }

    private static boolean isDescriptor(ByteBuffer start) {
        String head = StandardCharsets.ISO_8859_1.decode(start.duplicate()).toString().toLowerCase(Locale.ROOT);
        return head.startsWith("# disk descriptorfile") || head.contains("\ncreatetype");
    }
}
