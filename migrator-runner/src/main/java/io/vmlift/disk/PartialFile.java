package io.vmlift.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** A file written under a temporary sibling name and renamed into place when complete. */
final class PartialFile implements AutoCloseable {
    private final Path target;
    private final Path partial;
    private final FileChannel channel;
    private boolean completed;

    PartialFile(Path target) throws IOException {
        this.target = target;
        this.partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.createDirectories(target.toAbsolutePath().getParent());
        this.channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    FileChannel channel() {
        return channel;
    }

    void publish() throws IOException {
        channel.force(true);
        channel.close();
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        completed = true;
    }

    @Override
    public void close() throws IOException {
        if (!completed) {
            channel.close();
            Files.deleteIfExists(partial);
        }
    }
}
