package io.vmlift.cli;

import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** -f/--filename as kubectl has it: files or folders, repeatable. */
final class DocumentOptions {
    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
            description = "A YAML/JSON file or a folder of them (Provider, NetworkMap, StorageMap, Plan, Secret);"
                    + " repeatable.")
    List<Path> paths;

    @Option(names = "--provider", paramLabel = "NAME",
            description = "The source Provider to use when the documents hold several.")
    String provider;

    DocumentSet load() {
        return DocumentLoader.load(paths);
    }
}
