package io.vmlift.cli;

import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import java.io.IOException;

/** The documents and a connected source provider, for commands that read the source. */
final class SourceSession implements AutoCloseable {
    final DocumentSet documents;
    final Located<Provider> provider;
    final SourceProvider source;

    private SourceSession(DocumentSet documents, Located<Provider> provider, SourceProvider source) {
        this.documents = documents;
        this.provider = provider;
        this.source = source;
    }

    static SourceSession open(DocumentOptions options) {
        DocumentSet documents = options.load();
        return open(documents, documents.sourceProvider(options.provider));
    }

    static SourceSession open(DocumentSet documents, Located<Provider> provider) {
        return new SourceSession(documents, provider, SourceProviders.connect(provider, documents.credentials(provider)));
    }

    /** What the source holds that vmlift passed over (a package it cannot read), one line each on stderr. */
    void printWarnings(java.io.PrintWriter err) throws IOException {
        for (String warning : source.inventory().warningsOrNone()) {
            err.println("vmlift: warning: " + warning);
        }
        err.flush();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
