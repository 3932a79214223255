package io.vmlift.source.vsphere;

import io.vmlift.VmliftException;
import io.vmlift.model.Credentials;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import io.vmlift.spi.Inventory;
import io.vmlift.source.ProviderSettings;
import io.vmlift.source.ProviderTrust;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviderFactory;
import io.vmlift.source.SourceProviders;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.Set;

/**
 * Type vsphere: a vCenter or an ESXi host, url https://HOST/sdk, Secret with user and password and one of
 * thumbprint, ca.crt (or cacert) or insecureSkipVerify, as Forklift has them.
 */
public final class VsphereProviderFactory implements SourceProviderFactory {
    /** Forklift's vSphere settings; vmlift accepts them so documents move between the tools. */
    static final Set<String> SETTINGS = Set.of("vddkInitImage", "sdkEndpoint", "useVddkAioOptimization",
            "vddkConfig", "esxiCloneMethod");
    static final int LOGIN_ATTEMPTS = 3;
    static final Duration LOGIN_BACKOFF = Duration.ofSeconds(1);

    @Override
    public String type() {
        return "vsphere";
    }

    @Override
    public SourceProvider connect(Located<Provider> provider, Credentials credentials) {
        URL sdk = sdkUrl(provider);
        checkSettings(provider);
        String secret = provider.document().secretName();
        SourceProviders.requireLogin(provider, credentials, "administrator@vsphere.local");
        String user = credentials.user();
        String password = credentials.password();
        ProviderTrust trust = ProviderTrust.from(credentials, provider.where("/spec/secret") + " (Secret " + secret + ")");
        VsphereConnection connection = VsphereConnection.open(sdk, user, password, trust, secret, LOGIN_ATTEMPTS,
                LOGIN_BACKOFF);
        return new VsphereProvider(new Inventory.ProviderInfo(provider.document().name(), type(),
                provider.document().url()), connection, credentials, provider.document().setting("vddkInitImage"));
    }

    /** https://HOST[:PORT]/sdk; a bare https://HOST gets /sdk, as Forklift's UI does. */
    static URL sdkUrl(Located<Provider> provider) {
        String url = provider.document().url();
        try {
            URI uri = new URI(url);
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(url, "not an https URL with a host");
            }
            String path = uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/") ? "/sdk"
                    : uri.getPath();
            return new URI("https", null, uri.getHost(), uri.getPort(), path, null, null).toURL();
        } catch (URISyntaxException | MalformedURLException e) {
            throw VmliftException.badInput(provider.where("/spec/url") + ": '" + url + "' is not a vSphere SDK url;"
                    + " write https://VCENTER-OR-ESXI-HOST/sdk");
        }
    }

    private static void checkSettings(Located<Provider> provider) {
        ProviderSettings.requireKnown(provider, SETTINGS);
        String endpoint = provider.document().setting("sdkEndpoint");
        if (endpoint != null && !endpoint.equals("vcenter") && !endpoint.equals("esxi")) {
            throw VmliftException.badInput(provider.where("/spec/settings/sdkEndpoint") + ": sdkEndpoint is '"
                    + endpoint + "'; use vcenter or esxi");
        }
    }
}
