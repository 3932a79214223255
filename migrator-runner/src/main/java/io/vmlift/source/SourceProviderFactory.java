package io.vmlift.source;

import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import java.io.IOException;

/** Registered through META-INF/services: one per provider type. */
public interface SourceProviderFactory {
    /** The Forklift provider type this factory serves: vsphere, ovirt, ova. */
    String type();

    /** Connects (and logs in); throws VmliftException with UNREACHABLE when it cannot. */
    SourceProvider connect(Located<Provider> provider, Credentials credentials) throws IOException;
}
