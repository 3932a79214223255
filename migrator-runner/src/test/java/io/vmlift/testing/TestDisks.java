package io.vmlift.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Random;

/** Makes raw test disks with data in some places and holes elsewhere. */
public final class TestDisks {
    private TestDisks() {}

    /**
     * A sparse raw file of virtualSize bytes; each (offset, length) run is filled with random bytes from seed.
     * Also writes a run whose bytes are all zero, which must come out as zeros, not as garbage.
     */
    public static Path raw(Path file, long virtualSize, long seed, long... offsetsAndLengths) throws IOException {
        Random random = new Random(seed);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(virtualSize);
            for (int i = 0; i < offsetsAndLengths.length; i += 2) {
                byte[] data = new byte[(int) offsetsAndLengths[i + 1]];
                random.nextBytes(data);
                out.seek(offsetsAndLengths[i]);
                out.write(data);
            }
        }
        return file;
    }
}
