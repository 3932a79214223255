package io.vmlift.cli;

import picocli.CommandLine.Option;

/** --plan, for commands that act on one Plan of the documents. */
final class PlanOptions {
    @Option(names = "--plan", paramLabel = "NAME", description = "The Plan to use when the documents hold several.")
    String name;
}
