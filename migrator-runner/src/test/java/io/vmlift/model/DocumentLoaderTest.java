package io.vmlift.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.testing.Example;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentLoaderTest {
    @TempDir
    Path dir;

    private static final String PROVIDERS = """
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Provider
            metadata: {name: vcenter, namespace: mtv}
            spec:
              type: vsphere
              url: https://vcenter.example/sdk
              secret: {name: vcenter-creds, namespace: mtv}
              settings: {sdkEndpoint: vcenter}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Provider
            metadata: {name: host, namespace: mtv}
            spec: {type: openshift, url: ""}
            """;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private VmliftException loadFails(Path... paths) {
        try {
            DocumentLoader.load(List.of(paths));
        } catch (VmliftException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("loading should have failed");
    }

    @Test
    void theExampleRoundTripsThroughWriteAndRead() throws IOException {
        DocumentSet original = DocumentLoader.load(List.of(Example.folder()));
        assertThat(original.all()).hasSize(5);
        List<Document> documents = original.all().stream().<Document>map(Located::document).toList();
        Path rewritten = write("rewritten.yaml", Serialization.toYamlStream(documents));
        Files.copy(Example.folder().resolve("example-vm.ova"), dir.resolve("example-vm.ova"));
        DocumentSet reread = DocumentLoader.load(List.of(rewritten));
        assertThat(reread.all().stream().map(Located::document).toList()).isEqualTo(documents);
        // Reading YAML and writing it again gives the same tree as the hand-written files.
        JsonNode hand = Serialization.yaml().readTree(Example.folder().resolve("plan.yaml").toFile());
        JsonNode ours = Serialization.yaml().valueToTree(reread.plan(null).document());
        assertThat(ours).isEqualTo(hand);
    }

    @Test
    void aFolderWithMultiDocumentFilesLoadsEveryDocumentWithItsLine() throws IOException {
        write("providers.yaml", PROVIDERS);
        write("secret.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: vcenter-creds, namespace: mtv}
                data: {user: YWRtaW4=, password: czNjcjN0}
                """);
        write("notes.txt", "not a document");
        DocumentSet set = DocumentLoader.load(List.of(dir));
        assertThat(set.ofType(Provider.class)).extracting(l -> l.document().name()).containsExactly("vcenter", "host");
        assertThat(set.ofType(Provider.class).get(1).line()).isEqualTo(10);
        Credentials credentials = set.credentials(set.sourceProvider(null));
        assertThat(credentials.user()).isEqualTo("admin");
        assertThat(credentials.password()).isEqualTo("s3cr3t");
        assertThat(credentials.toString()).doesNotContain("s3cr3t");
        assertThat(set.ofType(Secret.class).get(0).document().toString()).doesNotContain("czNjcjN0");
    }

    @Test
    void aWorkspaceFolderPassesOverJsonResultsButNotMisspeltYaml() throws IOException {
        write("providers.yaml", PROVIDERS.replace("  secret: {name: vcenter-creds, namespace: mtv}\n", ""));
        write("inventory.json", "{\"provider\": {\"name\": \"vcenter\"}, \"vms\": []}");
        assertThat(DocumentLoader.load(List.of(dir)).ofType(Provider.class)).hasSize(2);
        write("plan.yaml", "apiversion: forklift.konveyor.io/v1beta1\nKind: Plan\nmetadata: {name: p}\n");
        assertThat(loadFails(dir).getMessage()).contains("plan.yaml:1").contains("lacks apiVersion or kind");
    }

    @Test
    void aSecretMayComeFromTheEnvironmentInstead() throws IOException {
        Path providers = write("providers.yaml", PROVIDERS);
        VmliftException missing = loadFails(providers);
        assertThat(missing.getMessage()).contains("providers.yaml:7").contains("Secret 'vcenter-creds'")
                .contains("VMLIFT_VCENTER_CREDS_PASSWORD");
        DocumentSet set = new DocumentSet(DocumentLoader.loadFile(providers))
                .withEnvironment(Map.of("VMLIFT_VCENTER_CREDS_USER", "admin", "VMLIFT_VCENTER_CREDS_PASSWORD", "pw"));
        set.check();
        assertThat(set.credentials(set.sourceProvider(null)).password()).isEqualTo("pw");
    }

    @Test
    void aSecretMayBeMountedAsKubernetesMountsThem() throws IOException {
        Path providers = write("providers.yaml", PROVIDERS);
        Path mounted = Files.createDirectories(dir.resolve("secrets/vcenter-creds"));
        Files.writeString(mounted.resolve("user"), "admin");
        Files.writeString(mounted.resolve("password"), "mounted-pw\n");
        DocumentSet set = new DocumentSet(DocumentLoader.loadFile(providers))
                .withEnvironment(Map.of(DocumentSet.SECRETS_DIR_VARIABLE, dir.resolve("secrets").toString()));
        set.check();
        assertThat(set.credentials(set.sourceProvider(null)).password()).isEqualTo("mounted-pw\n");
        assertThat(set.credentials(set.sourceProvider(null)).thumbprint()).isNull();

        DocumentSet elsewhere = new DocumentSet(DocumentLoader.loadFile(providers))
                .withEnvironment(Map.of(DocumentSet.SECRETS_DIR_VARIABLE, dir.resolve("nothing-here").toString()));
        VmliftException missing = org.junit.jupiter.api.Assertions.assertThrows(VmliftException.class, elsewhere::check);
        assertThat(missing.getMessage()).contains("mount it at").contains("nothing-here");
    }

    @Test
    void aListAsKubectlGetPrintsItLoadsItsItems() throws IOException {
        String list = """
                apiVersion: v1
                kind: List
                metadata: {resourceVersion: ""}
                items:
                - apiVersion: forklift.konveyor.io/v1beta1
                  kind: Provider
                  metadata:
                    name: host
                    namespace: mtv
                    uid: 0f0e
                    creationTimestamp: "2026-01-01T00:00:00Z"
                    managedFields: [{manager: kubectl}]
                  spec: {type: openshift, url: ""}
                  status: {phase: Ready}
                - apiVersion: forklift.konveyor.io/v1beta1
                  kind: Provider
                  metadata: {name: vcenter, namespace: mtv}
                  spec:
                    type: vsphere
                    url: https://vcenter.example/sdk
                """;
        DocumentSet set = DocumentLoader.load(List.of(write("list.yaml", list)));
        assertThat(set.ofType(Provider.class)).extracting(Located::line).containsExactly(5, 15);
        assertThat(set.sourceProvider(null).where("/spec/url")).endsWith("list.yaml:20");
        Path typo = write("typo.yaml", list.replace("    url: https", "    ulr: https"));
        assertThat(loadFails(typo).getMessage()).contains("typo.yaml:20: unknown field 'spec.ulr' in Provider");
    }

    @Test
    void namesKeysAndSecretDataAreCheckedAsKubernetesWould() throws IOException {
        Path badName = write("name.yaml", PROVIDERS.replace("name: host", "name: ../escaped")
                .replace("  secret: {name: vcenter-creds, namespace: mtv}\n", ""));
        assertThat(loadFails(badName).getMessage()).contains("name.yaml:11").contains("'../escaped' is not a valid name");
        Path duplicateKey = write("dup.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                + "stringData: {user: a}\nstringData: {user: b}\n");
        assertThat(loadFails(duplicateKey).getMessage()).contains("dup.yaml:5").contains("key 'stringData' is given twice");
        Path notBase64 = write("b64.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                + "data:\n  user: YWRtaW4=\n  password: hunter2!!\n");
        String message = loadFails(notBase64).getMessage();
        assertThat(message).contains("b64.yaml:6").contains("data.password").contains("not base64")
                .doesNotContain("hunter2");
    }

    @Test
    void wrongTypesNameTheFieldAndLine() throws IOException {
        Path file = write("plan.yaml", """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: p}
                spec:
                  targetNamespace: ns
                  vms: just-one-vm
                """);
        assertThat(loadFails(file).getMessage()).contains("plan.yaml:6: wrong type for 'spec.vms'").contains("a list");
    }

    @Test
    void danglingReferencesPointAtTheReference() throws IOException {
        write("providers.yaml", PROVIDERS.replace("  secret: {name: vcenter-creds, namespace: mtv}\n", ""));
        Path plan = write("plan.yaml", """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: p, namespace: mtv}
                spec:
                  targetNamespace: ns
                  provider:
                    source: {name: vcenter}
                    destination: {name: host}
                  map:
                    network: {name: no-such-map}
                    storage: {name: storage}
                  vms: [{name: a}]
                """);
        assertThat(loadFails(dir.resolve("providers.yaml"), plan).getMessage())
                .contains("plan.yaml:10").contains("NetworkMap 'no-such-map'");
    }

    @Test
    void unknownKindsDuplicatesAndBadValuesAreRejected() throws IOException {
        assertThat(loadFails(write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")).getMessage())
                .contains("a.yaml:1: unknown document v1 ConfigMap");
        Path twice = write("b.yaml", PROVIDERS.replace("name: host", "name: vcenter")
                .replace("  secret: {name: vcenter-creds, namespace: mtv}\n", ""));
        assertThat(loadFails(twice).getMessage()).contains("b.yaml:9").contains("defined twice").contains("b.yaml:1");
        Path badMap = write("c.yaml", PROVIDERS.replace("  secret: {name: vcenter-creds, namespace: mtv}\n", "")
                + """
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: NetworkMap
                metadata: {name: n, namespace: mtv}
                spec:
                  provider: {source: {name: vcenter}}
                  map:
                    - source: {name: VM Network}
                      destination: {type: bridge}
                """);
        assertThat(loadFails(badMap).getMessage()).contains("c.yaml:21").contains("destination type 'bridge'");
    }
}
