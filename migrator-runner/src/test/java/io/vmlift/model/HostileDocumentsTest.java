package io.vmlift.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Documents written to break vmlift: each is one line with file:line and exit 2, fast and small. */
class HostileDocumentsTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Provider
            metadata: {name: src}
            spec: {type: ova, url: ./packages}
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
              provider: {source: {name: src}}
              map:
                - source: {name: VM Network}
                  destination: {type: pod}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: StorageMap
            metadata: {name: store}
            spec:
              provider: {source: {name: src}}
              map:
                - source: {name: ova}
                  destination: {storageClass: standard}
            """;

    private static final String PLAN = """
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Plan
            metadata: {name: wave}
            spec:
              targetNamespace: migrated
              provider: {source: {name: src}, destination: {name: host}}
              map: {network: {name: net}, storage: {name: store}}
            """;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private String fails(String text) throws IOException {
        Path file = write("docs.yaml", text);
        long started = System.nanoTime();
        try {
            DocumentLoader.load(List.of(file));
        } catch (VmliftException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).doesNotContain("\n").startsWith(file.toString());
            assertThat(System.nanoTime() - started).as("bad input costs seconds").isLessThan(10_000_000_000L);
            return e.getMessage().substring(file.toString().length());
        }
        throw new AssertionError("loading should have failed");
    }

    private static int line(String text, String needle) {
        String before = text.substring(0, text.indexOf(needle));
        return (int) before.chars().filter(c -> c == '\n').count() + 1;
    }

    @Test
    void anchorsAndAliasesResolveAsYamlSays() throws IOException {
        Path file = write("docs.yaml", BASE + "---\n" + PLAN.replace("  targetNamespace: migrated",
                "  description: &ns migrated\n  targetNamespace: *ns") + "  vms: [{name: a}]\n");
        Plan plan = DocumentLoader.load(List.of(file)).plan(null).document();
        assertThat(plan.spec().targetNamespace()).isEqualTo("migrated");
        assertThat(plan.spec().description()).isEqualTo("migrated");
    }

    @Test
    void mergeKeysAddWhatTheMappingLacks() throws IOException {
        Path file = write("docs.yaml", BASE + "---\n" + PLAN + """
                  vms:
                    - &base {name: a, targetPowerState: "off"}
                    - <<: *base
                      name: b
                """);
        Plan plan = DocumentLoader.load(List.of(file)).plan(null).document();
        assertThat(plan.vms()).extracting(Plan.Vm::name).containsExactly("a", "b");
        assertThat(plan.vms().get(1).targetPowerState()).isEqualTo("off");
    }

    @Test
    void anUndefinedAliasNamesItsLine() throws IOException {
        String text = BASE + "---\n" + PLAN.replace("targetNamespace: migrated", "targetNamespace: *nowhere")
                + "  vms: [{name: a}]\n";
        assertThat(fails(text)).startsWith(":" + line(text, "*nowhere") + ": ").contains("undefined alias")
                .contains("define the anchor");
    }

    @Test
    void aliasBombsStopEarly() throws IOException {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char previous = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 10; i++) {
                bomb.append(i == 0 ? "" : ", ").append('*').append(previous);
            }
            bomb.append("]\n");
        }
        assertThat(fails(bomb.toString())).contains("alias");
        assertThat(fails("a: &a [*a]\n")).contains(":1: ");
    }

    @Test
    void hugeStringsAndFilesAreRefusedBeforeTheyCostMemory() throws IOException {
        String huge = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: "
                + "x".repeat(10 << 20) + "}\n";
        assertThat(fails(huge)).startsWith(":4: ").contains("characters long");
        StringBuilder many = new StringBuilder("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n");
        for (int i = 0; many.length() < (4 << 20); i++) {
            many.append("  key").append(i).append(": ").append("y".repeat(1000)).append('\n');
        }
        assertThat(fails(many.toString())).contains("Mi characters");
        // Just under the line limit, SnakeYAML itself must stay fast.
        String long1 = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: "
                + "x".repeat((1 << 20) - 100) + "}\n";
        long started = System.nanoTime();
        DocumentLoader.load(List.of(write("long.yaml", long1)));
        assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);
    }

    @Test
    void aNullListEntryIsBadInputNotACrash() throws IOException {
        String text = BASE + "---\n" + PLAN + "  vms: [null]\n";
        assertThat(fails(text)).startsWith(":" + line(text, "vms: [null]") + ": ").contains("spec.vms[0]")
                .contains("empty");
    }

    @Test
    void integersAreNoBooleansAndBooleansNoStrings() throws IOException {
        String bigInteger = BASE + "---\n" + PLAN + "  deleteVmOnFailMigration: 99999999999999999999999\n"
                + "  vms: [{name: a}]\n";
        assertThat(fails(bigInteger)).startsWith(":" + line(bigInteger, "deleteVmOnFailMigration") + ": ")
                .contains("wrong type for 'spec.deleteVmOnFailMigration'").contains("true or false");
        String one = BASE + "---\n" + PLAN + "  warm: 1\n  vms: [{name: a}]\n";
        assertThat(fails(one)).contains("spec.warm");
        String unquotedOn = BASE + "---\n" + PLAN + "  targetPowerState: on\n  vms: [{name: a}]\n";
        assertThat(fails(unquotedOn)).contains("spec.targetPowerState").contains("quote it");
    }

    @Test
    void hooksMustBeAListOfHookReferences() throws IOException {
        String text = BASE + "---\n" + PLAN + "  vms:\n    - name: a\n      hooks: yes\n";
        assertThat(fails(text)).startsWith(":" + line(text, "hooks: yes") + ": ").contains("spec.vms[0].hooks")
                .contains("a list");
    }

    @Test
    void aMapThatNamesOneSourceTwiceIsRefused() throws IOException {
        String text = BASE.replace("""
                    - source: {name: VM Network}
                      destination: {type: pod}
                """, """
                    - source: {name: VM Network}
                      destination: {type: pod}
                    - source: {name: VM Network}
                      destination: {type: multus, namespace: x, name: y}
                """);
        String message = fails(text);
        int second = text.indexOf("- source: {name: VM Network}", text.indexOf("- source: {name: VM Network}") + 1);
        assertThat(message).startsWith(":" + line(text, text.substring(second)) + ": ")
                .contains("maps source name VM Network twice");
        String storage = BASE + """
                    - source: {name: ova}
                      destination: {storageClass: fast}
                """;
        assertThat(fails(storage)).contains("StorageMap 'store'").contains("twice");
    }

    @Test
    void migrationAndHookDocumentsLoadAndTheMigrationChoosesThePlan() throws IOException {
        Path file = write("docs.yaml", BASE + "---\n" + PLAN + "  vms: [{name: a}]\n---\n"
                + PLAN.replace("name: wave", "name: other") + "  vms: [{name: b}]\n" + """
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Hook
                metadata: {name: pre-hook}
                spec: {image: quay.io/kubev2v/hook-runner, serviceAccount: sa, playbook: LS0tCg==}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Migration
                metadata: {name: go}
                spec:
                  plan: {name: other}
                  cutover: 2024-04-04T01:23:45.678+09:00
                """);
        DocumentSet documents = DocumentLoader.load(List.of(file));
        Located<Plan> chosen = documents.plan(null);
        assertThat(chosen.document().name()).isEqualTo("other");
        assertThat(documents.cutover(chosen)).contains(Instant.parse("2024-04-03T16:23:45.678Z"));
        assertThat(documents.ofType(Hook.class)).hasSize(1);
    }

    @Test
    void aMigrationOfAMissingPlanOrWithABadTimeIsRefused() throws IOException {
        String migration = """
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Migration
                metadata: {name: go}
                spec:
                  plan: {name: nowhere}
                """;
        String text = BASE + "---\n" + PLAN + "  vms: [{name: a}]\n" + migration;
        assertThat(fails(text)).contains("Plan 'nowhere'");
        String badTime = BASE + "---\n" + PLAN + "  vms: [{name: a}]\n"
                + migration.replace("name: nowhere}", "name: wave}\n  cutover: tomorrow");
        assertThat(fails(badTime)).startsWith(":" + line(badTime, "cutover: tomorrow") + ": ")
                .contains("RFC 3339");
    }

    @Test
    void aLargeInventoryInAWorkspaceFolderIsPassedOverNotRefused() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("workspace"));
        Files.writeString(folder.resolve("docs.yaml"), BASE + "---\n" + PLAN + "  vms: [{name: a}]\n");
        StringBuilder inventory = new StringBuilder("{\"provider\": {\"name\": \"src\"}, \"vms\": [\n");
        for (int i = 0; inventory.length() < (5 << 20); i++) {
            inventory.append(i == 0 ? "" : ",\n").append("{\"id\": \"vm-").append(i).append("\", \"name\": \"")
                    .append("v".repeat(200)).append("\"}");
        }
        Files.writeString(folder.resolve("inventory.json"), inventory.append("]}\n"));
        assertThat(DocumentLoader.load(List.of(folder)).all()).hasSize(5);
    }

    @Test
    void aliasesThatRepeatALongKeyStopAtTheCharacterBudget() throws IOException {
        StringBuilder bomb = new StringBuilder("a0: &a0\n  ? " + "k".repeat(500_000) + "\n  : 1\n");
        for (int level = 1; level <= 6; level++) {
            bomb.append('a').append(level).append(": &a").append(level).append(" [");
            for (int i = 0; i < 10; i++) {
                bomb.append(i == 0 ? "" : ", ").append("*a").append(level - 1);
            }
            bomb.append("]\n");
        }
        assertThat(fails(bomb.toString())).contains("expands to more than");
    }

    @Test
    void limitsCountPerDocumentNotPerFile() throws IOException {
        StringBuilder many = new StringBuilder();
        for (int d = 0; d < 30; d++) {
            many.append("---\napiVersion: v1\nkind: Secret\nmetadata: {name: s").append(d).append("}\n")
                    .append("stringData: {blob: ").append("z".repeat(150_000)).append("}\n");
        }
        assertThat(DocumentLoader.load(List.of(write("many.yaml", many.toString()))).all()).hasSize(30);
        StringBuilder merges = new StringBuilder(BASE + "---\n" + PLAN + "  vms:\n    - &base {name: a}\n");
        for (int i = 0; i < 300; i++) {
            merges.append("    - <<: *base\n      targetName: t").append(i).append('\n');
        }
        assertThat(DocumentLoader.load(List.of(write("merges.yaml", merges.toString()))).plan(null).document().vms())
                .hasSize(301);
    }

    @Test
    void aMergedBaseDoesNotMoveTheLinesOfTheMappingsOwnKeys() throws IOException {
        String text = BASE + "---\n" + PLAN + "  vms:\n    - &base {name: a}\n    - <<: *base\n      targetName: 123\n";
        assertThat(fails(text)).startsWith(":" + line(text, "targetName: 123") + ": ").contains("targetName");
    }
}
