package io.vmlift.source.ova;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.vmlift.model.Credentials;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.spi.Vm;
import io.vmlift.plan.PlanResolver;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceProvider;
import io.vmlift.source.SourceProviders;
import io.vmlift.spi.Concern;
import io.vmlift.spi.Concern.Category;
import io.vmlift.testing.QemuImg;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forklift's OVA validation rules, one case each: a package built here (OVF text edited in one place, a disk made
 * by qemu-img) and the one concern it must raise (id, category, the VM it names). A clean package raises none.
 */
class OvaRulesTest {
    private static final String MAC = "<rasd:Address>00:50:56:00:00:01</rasd:Address>";
    private static final String OS_TYPE = " vmw:osType=\"otherLinux64Guest\"";

    @TempDir
    Path dir;

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("ova.disk.undefined", Category.Critical, false, (UnaryOperator<String>) ovf ->
                        replaceOnce(ovf, "ovf:/disk/vmdisk1", "ovf:/disk/vmdisk9")),
                Arguments.of("ova.manifest.missing", Category.Warning, true, UnaryOperator.<String>identity()),
                Arguments.of("ova.nic.mac.missing", Category.Information, false, (UnaryOperator<String>) ovf ->
                        replaceOnce(ovf, MAC, "")),
                Arguments.of("ova.os.unknown", Category.Warning, false, (UnaryOperator<String>) ovf ->
                        replaceOnce(ovf, OS_TYPE, "")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachPackageRuleRaisesItsOwnConcernAndNoOther(String id, Category category, boolean verifyManifest,
            UnaryOperator<String> edit) throws Exception {
        String ovf = edit.apply(OvaProviderTest.singleDiskOvf("appliance", "appliance-disk1.vmdk", "",
                OvaProviderTest.STREAM_OPTIMIZED));
        Path ova = ova("appliance.ova", ovf, false);

        try (SourceProvider provider = connect(ova, verifyManifest)) {
            Vm vm = onlyVm(provider);
            assertThat(provider.validate(vm)).extracting(Concern::id, Concern::category, Concern::vm)
                    .containsExactly(tuple(id, category, "appliance"));
        }
    }

    @Test
    void aCleanPackageWithItsManifestRaisesNoConcern() throws Exception {
        String ovf = OvaProviderTest.singleDiskOvf("appliance", "appliance-disk1.vmdk", "",
                OvaProviderTest.STREAM_OPTIMIZED);
        Path ova = ova("appliance.ova", ovf, true);

        for (boolean verifyManifest : new boolean[] {false, true}) {
            try (SourceProvider provider = connect(ova, verifyManifest)) {
                Vm vm = onlyVm(provider);
                assertThat(vm.osType()).isEqualTo("otherLinux64Guest");
                assertThat(vm.nics()).extracting(n -> n.mac()).doesNotContainNull();
                assertThat(provider.validate(vm)).as("verifyManifest=%s", verifyManifest).isEmpty();
            }
        }
    }

    @Test
    void anUnreadablePackageInTheFolderIsSkippedAndNamedByThePlan() throws Exception {
        Path packages = Files.createDirectories(dir.resolve("packages"));
        String ovf = OvaProviderTest.singleDiskOvf("good", "good-disk1.vmdk", "", OvaProviderTest.STREAM_OPTIMIZED);
        Files.move(ova("good.ova", ovf, false), packages.resolve("good.ova"));
        try (OutputStream out = Files.newOutputStream(packages.resolve("broken.ova"));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            add(tar, "readme.txt", "an export that lost its descriptor".getBytes(StandardCharsets.UTF_8));
        }

        List<Concern> skipped = plan("good").concerns().stream()
                .filter(c -> c.id().equals("SourceItemSkipped")).toList();
        assertThat(skipped).extracting(Concern::category, Concern::vm).containsExactly(tuple(Category.Warning, null));
        assertThat(skipped.get(0).label()).contains("broken.ova").doesNotContain("good.ova");

        Files.delete(packages.resolve("broken.ova"));
        ResolvedPlan clean = plan("good");
        assertThat(clean.concerns()).extracting(Concern::id).doesNotContain("SourceItemSkipped");
        assertThat(clean.vms()).extracting(vm -> vm.source().name()).containsExactly("good");
    }

    /** Loads a Provider of the packages folder, its maps and a plan of one VM, and resolves the plan. */
    private ResolvedPlan plan(String vm) throws IOException {
        Path docs = dir.resolve("docs.yaml");
        Files.writeString(docs, """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: share}
                spec: {type: ova, url: packages}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: host}
                spec: {type: openshift}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: NetworkMap
                metadata: {name: net}
                spec:
                  provider: {source: {name: share}}
                  map: [{source: {name: VM Network}, destination: {type: pod}}]
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: StorageMap
                metadata: {name: store}
                spec:
                  provider: {source: {name: share}}
                  map: [{source: {name: ova}, destination: {storageClass: standard}}]
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: wave}
                spec:
                  targetNamespace: migrated
                  provider: {source: {name: share}, destination: {name: host}}
                  map: {network: {name: net}, storage: {name: store}}
                  vms: [{name: %s}]
                """.formatted(vm));
        DocumentSet documents = DocumentLoader.load(List.of(docs));
        try (SourceProvider source = SourceProviders.connect(documents.sourceProvider(null),
                documents.credentials(documents.sourceProvider(null)))) {
            return PlanResolver.resolve(documents, documents.plan(null), source);
        }
    }

    private static String replaceOnce(String text, String what, String with) {
        assertThat(text).as("the edit must change the OVF").containsOnlyOnce(what);
        return text.replace(what, with);
    }

    /**
     * Writes an .ova of the OVF and an empty stream-optimized disk of VIRTUAL bytes made by qemu-img, and with
     * manifest, a .mf with the SHA256 of both as ovftool writes it.
     */
    private Path ova(String name, String ovf, boolean manifest) throws Exception {
        String base = name.replaceFirst("\\.ova$", "");
        Path vmdk = dir.resolve(base + "-disk1.vmdk");
        Files.deleteIfExists(vmdk);
        QemuImg.require("create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", vmdk.toString(),
                Long.toString(OvaProviderTest.VIRTUAL));
        byte[] descriptor = ovf.getBytes(StandardCharsets.UTF_8);
        byte[] disk = Files.readAllBytes(vmdk);
        Path ova = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(ova);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            add(tar, base + ".ovf", descriptor);
            if (manifest) {
                String mf = "SHA256(" + base + ".ovf)= " + sha256(descriptor) + "\n"
                        + "SHA256(" + base + "-disk1.vmdk)= " + sha256(disk) + "\n";
                add(tar, base + ".mf", mf.getBytes(StandardCharsets.UTF_8));
            }
            add(tar, base + "-disk1.vmdk", disk);
        }
        return ova;
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private SourceProvider connect(Path ova, boolean verifyManifest) throws IOException {
        Provider provider = new Provider("forklift.konveyor.io/v1beta1", Provider.KIND,
                ObjectMeta.named("ova-source", "vmlift"), new Provider.Spec("ova", ova.toString(), null,
                        Map.of(OvaProviderFactory.VERIFY_MANIFEST, Boolean.toString(verifyManifest))), null);
        return new OvaProviderFactory().connect(new Located<>(provider, dir.resolve("provider.yaml"), 1, Map.of()),
                Credentials.NONE);
    }

    private static Vm onlyVm(SourceProvider provider) throws IOException {
        assertThat(provider.inventory().vms()).hasSize(1);
        return provider.inventory().vms().get(0);
    }
}
