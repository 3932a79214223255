package io.vmlift.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmlift.VmliftException;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider settings as every adapter reads them: a typo or a non-boolean flag stops with file:line. */
class ProviderSettingsTest {
    @TempDir
    Path dir;

    private Located<Provider> provider(String type, String settings) throws Exception {
        Path file = Files.writeString(dir.resolve("provider.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: source, namespace: vmlift}
                spec:
                  type: %s
                  url: https://source.example.com
                  settings:
                %s""".formatted(type, settings.indent(4)));
        return DocumentLoader.load(List.of(file)).ofType(Provider.class).get(0);
    }

    @Test
    void anUnknownKeyIsBadInputNamingTheKnownOnes() throws Exception {
        Located<Provider> ovirt = provider("ovirt", "cdiImagio: \"true\"");
        assertThatThrownBy(() -> ProviderSettings.requireKnown(ovirt, Set.of("cdiImageio")))
                .isInstanceOf(VmliftException.class).hasMessageContaining("provider.yaml:8")
                .hasMessageContaining("unknown setting 'cdiImagio' for an ovirt provider; known: cdiImageio");
    }

    @Test
    void aFlagIsTrueFalseOrAbsent() throws Exception {
        assertThat(ProviderSettings.flag(provider("ova", "verifyManifest: \"true\""), "verifyManifest")).isTrue();
        assertThat(ProviderSettings.flag(provider("ova", "other: x"), "verifyManifest")).isFalse();
        Located<Provider> yes = provider("ova", "verifyManifest: \"yes\"");
        assertThatThrownBy(() -> ProviderSettings.flag(yes, "verifyManifest")).isInstanceOf(VmliftException.class)
                .hasMessageContaining("verifyManifest is 'yes'; use \"true\" or \"false\"");
    }
}
