package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a default Tekton install and kubectl do with the shipped files. The RBAC files as `kubectl apply -n NS -f`
 * and the API server take them, in any namespace:
 * <ul>
 * <li>kubectl refuses a namespaced object whose metadata.namespace is not NS ("the namespace from the provided
 *     object ... does not match the namespace ...": k8s.io/cli-runtime pkg/resource, the builder's
 *     RequireNamespace): so no namespaced object names one.</li>
 * <li>A ServiceAccount subject may omit its namespace in a RoleBinding (it is the binding's), never in a
 *     ClusterRoleBinding (kubernetes pkg/apis/rbac/validation, ValidateRoleBindingSubject): so no
 *     ClusterRoleBinding is shipped, and RoleBindings' subjects name none.</li>
 * <li>A RoleBinding's roleRef names a ClusterRole the files hold (a Role would have to be in NS, which the
 *     files cannot know).</li>
 * </ul>
 */
class InstallRulesTest {
    private static final Set<String> CLUSTER_SCOPED = Set.of("ClusterRole", "ClusterRoleBinding", "Namespace",
            "StorageClass", "CustomResourceDefinition");

    private static List<JsonNode> objects() throws Exception {
        List<JsonNode> objects = new ArrayList<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(TektonFiles.MODULE.resolve("rbac"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                    yaml.readValues(parser, JsonNode.class).readAll().stream().filter(n -> n != null && !n.isEmpty())
                            .forEach(objects::add);
                }
            }
        }
        return objects;
    }

    @Test
    void theFilesApplyIntoAnyNamespace() throws Exception {
        List<JsonNode> objects = objects();
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .contains("ServiceAccount", "ClusterRole", "RoleBinding").doesNotContain("ClusterRoleBinding", "Role");
        Set<String> clusterRoles = new HashSet<>();
        objects.stream().filter(o -> o.path("kind").asText().equals("ClusterRole"))
                .forEach(o -> clusterRoles.add(o.at("/metadata/name").asText()));
        for (JsonNode object : objects) {
            String what = object.path("kind").asText() + " " + object.at("/metadata/name").asText();
            if (!CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                assertThat(object.at("/metadata/namespace").isMissingNode()).as(what + " names no namespace").isTrue();
            }
            if (object.path("kind").asText().equals("RoleBinding")) {
                for (JsonNode subject : object.path("subjects")) {
                    assertThat(subject.has("namespace")).as(what + ": its subject's namespace is the binding's")
                            .isFalse();
                }
                assertThat(object.at("/roleRef/kind").asText()).as(what).isEqualTo("ClusterRole");
                assertThat(clusterRoles).as(what + " binds a ClusterRole of the files")
                        .contains(object.at("/roleRef/name").asText());
            }
        }
    }

    /**
     * The example PipelineRuns can run: the steps run as uid 10001 (runAsNonRoot) and a PVC comes root-owned, so
     * the pod's fsGroup must be the runner's group; and Tekton ends a PipelineRun after 60 minutes unless it sets
     * its timeouts (config-defaults' default-timeout-minutes), which a migration outlasts.
     */
    @Test
    void theExamplePipelineRunsSetTheRunnersGroupAndALongTimeout() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(TektonFiles.REPO.resolve("examples/pipelines/tekton"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                JsonNode run = yaml.readTree(file.toFile());
                assertThat(run.at("/spec/taskRunTemplate/podTemplate/securityContext/fsGroup").asLong())
                        .as(file.getFileName() + " fsGroup").isEqualTo(10001);
                assertThat(java.time.Duration.parse("PT" + run.at("/spec/timeouts/pipeline").asText().toUpperCase()))
                        .as(file.getFileName() + " timeout").isGreaterThan(java.time.Duration.ofHours(1));
                // Tekton's affinity assistant refuses a TaskRun that binds two claims (ValidateOnlyOnePVCIsUsed).
                java.util.Set<String> claims = new java.util.HashSet<>();
                run.at("/spec/workspaces").forEach(w -> claims.add(w.at("/persistentVolumeClaim/claimName").asText(
                        w.has("volumeClaimTemplate") ? "template:" + w.path("name").asText() : "")));
                assertThat(claims).as(file.getFileName() + " claims").hasSize(1);
            }
        }
        assertThat(Files.readString(TektonFiles.MODULE.resolve("Containerfile"))).contains("USER 10001");
    }

    /** Tekton Hub's categories (tektoncd/hub config.yaml); a resource naming another is not listed under any. */
    private static final Set<String> HUB_CATEGORIES = Set.of("Automation", "Build Tools", "CLI", "Cloud",
            "Code Quality", "Continuous Integration", "Deployment", "Developer Tools", "Image Build",
            "Integration & Delivery", "Git", "Kubernetes", "Messaging", "Monitoring", "Networking", "Openshift",
            "Publishing", "Security", "Storage", "Testing");

    @Test
    void catalogMetadataIsWhatTheHubAndTheCatalogsTestsRead() throws Exception {
        List<Path> resources = new ArrayList<>(TektonFiles.tasks());
        resources.addAll(TektonFiles.pipelines());
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (Path file : resources) {
            JsonNode resource = yaml.readTree(file.toFile());
            for (String category : resource.at("/metadata/annotations/tekton.dev~1categories").asText().split(",")) {
                assertThat(HUB_CATEGORIES).as(file.getFileName() + ": Hub category").contains(category.trim());
            }
            assertThat(file.getParent().getParent().resolve("OWNERS")).as("OWNERS beside the versions").isRegularFile();
            Path run = file.resolveSibling("tests/run.yaml");
            if (Files.exists(run)) {
                String prerequisites = Files.readString(file.resolveSibling("tests/resources.yaml"));
                java.util.regex.Matcher claim = java.util.regex.Pattern.compile("claimName: (\\S+)")
                        .matcher(Files.readString(run));
                while (claim.find()) {
                    assertThat(prerequisites).as(run + " needs claim " + claim.group(1) + " made first")
                            .contains("name: " + claim.group(1));
                }
            }
        }
    }

    @Test
    void secretsAreGrantedOnlyByTheOptionalFile() throws Exception {
        try (Stream<Path> files = Files.list(TektonFiles.MODULE.resolve("rbac"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                boolean grantsSecrets = Files.readString(file).contains("\"secrets\"");
                assertThat(grantsSecrets).as(file.getFileName().toString())
                        .isEqualTo(file.getFileName().toString().equals("vmlift-transfer-secrets.yaml"));
            }
        }
    }
}
