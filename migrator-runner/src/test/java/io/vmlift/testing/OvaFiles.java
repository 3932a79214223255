package io.vmlift.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/** Takes OVAs apart and puts edited ones together, for tests that need a variant of the example. */
public final class OvaFiles {
    private OvaFiles() {}

    /** Extracts every member into a folder. */
    public static Path extract(Path ova, Path into) throws IOException {
        Files.createDirectories(into);
        try (TarFile tar = new TarFile(ova)) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                try (InputStream in = tar.getInputStream(entry)) {
                    Files.copy(in, into.resolve(entry.getName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return into;
    }

    /** Writes a copy of the OVA with one member's bytes edited, keeping the members' order. */
    public static Path rewrite(Path ova, Path copy, String member, UnaryOperator<byte[]> edit) throws IOException {
        Path temporary = copy.resolveSibling(copy.getFileName() + ".tmp");
        try (TarFile tar = new TarFile(ova);
                OutputStream file = Files.newOutputStream(temporary);
                TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                byte[] bytes;
                try (InputStream in = tar.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                if (entry.getName().equals(member)) {
                    bytes = edit.apply(bytes);
                }
                TarArchiveEntry edited = new TarArchiveEntry(entry.getName());
                edited.setSize(bytes.length);
                out.putArchiveEntry(edited);
                out.write(bytes);
                out.closeArchiveEntry();
            }
        }
        return Files.move(temporary, copy, StandardCopyOption.REPLACE_EXISTING);
    }
}
