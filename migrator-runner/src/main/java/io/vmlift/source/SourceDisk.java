package io.vmlift.source;

import io.vmlift.disk.DiskImage;
import io.vmlift.spi.Disk;
import java.io.IOException;

/** One disk of a source VM and a way to read its bytes. */
public interface SourceDisk {
    Disk disk();

    /** Opens the disk's image for reading; the caller closes it. */
    DiskImage open() throws IOException;
}
