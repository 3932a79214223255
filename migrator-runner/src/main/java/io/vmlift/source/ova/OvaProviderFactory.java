package io.vmlift.source.ova;

import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import io.vmlift.spi.Inventory;
import io.vmlift.source.ProviderSettings;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviderFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Type ova. The url is a local path (or file:// URL) to a folder, .ova or .ovf; a relative path is taken
 * from the folder of the Provider document, so a checked-in example works from any working directory.
 */
public final class OvaProviderFactory implements SourceProviderFactory {
    /** Provider setting: "true" checks disk files against the package's .mf digests during plan checks. */
    public static final String VERIFY_MANIFEST = "verifyManifest";
    /** Provider setting: the OVF configuration (DeploymentOptionSection) to read; default: the OVF's default. */
    public static final String DEPLOYMENT_OPTION = "deploymentOption";
    /** Forklift takes an NFS export, server:/path, which it mounts itself. */
    private static final java.util.regex.Pattern NFS_EXPORT = java.util.regex.Pattern.compile("^[\\w.\\-\\[\\]]+:/.*");

    @Override
    public String type() {
        return "ova";
    }

    @Override
    public SourceProvider connect(Located<Provider> provider, Credentials credentials) throws IOException {
        Path root = resolve(provider);
        try {
            return new OvaProvider(new Inventory.ProviderInfo(provider.document().name(), type(),
                    provider.document().url()), root, verifyManifest(provider),
                    provider.document().setting(DEPLOYMENT_OPTION));
        } catch (NoSuchFileException e) {
            throw VmliftException.badInput(provider.where("/spec/url") + ": " + root + " does not exist; point "
                    + provider.describe() + " at a folder, .ova or .ovf");
        } catch (OvfException e) {
            throw VmliftException.badInput(e.getMessage() + " (" + provider.describe() + ")", e);
        }
    }

    /** The ova settings: only verifyManifest, "true" or "false". */
    private static boolean verifyManifest(Located<Provider> provider) {
        ProviderSettings.requireKnown(provider, Set.of(VERIFY_MANIFEST, DEPLOYMENT_OPTION));
        return ProviderSettings.flag(provider, VERIFY_MANIFEST);
    }

    static Path resolve(Located<Provider> provider) {
        String url = provider.document().url();
        if (NFS_EXPORT.matcher(url).matches() && !url.startsWith("file:")) {
            throw VmliftException.badInput(provider.where("/spec/url") + ": '" + url + "' is an NFS export, which"
                    + " Forklift mounts itself; vmlift reads local paths: mount it (mount -t nfs " + url
                    + " /mnt/ova) and set spec.url of " + provider.describe() + " to the mount point");
        }
        Path path;
        try {
            path = url.startsWith("file:") ? Path.of(URI.create(url)) : Path.of(url);
        } catch (IllegalArgumentException e) { // also InvalidPathException
            throw VmliftException.badInput(provider.where("/spec/url") + ": '" + url + "' is not a local path or"
                    + " file:/// URL (" + e.getMessage() + "); the ova provider reads a folder, .ova or .ovf here");
        }
        if (!path.isAbsolute()) {
            Path documentFolder = provider.file().toAbsolutePath().getParent();
            path = documentFolder.resolve(path).normalize();
        }
        return path;
    }
}
