package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The runner image's three descriptions agree: build.sh (what is published), the Containerfile (for people who
 * build with their own tools) and the release workflow (what pushes it), and every Task's image param defaults
 * to the image the workflow publishes for this version.
 */
class RunnerImageRecipeTest {
    private static final Path BUILD = TektonFiles.MODULE.resolve("image/build.sh");
    private static final Path CONTAINERFILE = TektonFiles.MODULE.resolve("Containerfile");
    private static final Path RELEASE = TektonFiles.REPO.resolve(".github/workflows/release.yml");

    private static List<String> buildPackages() throws Exception {
        Matcher m = Pattern.compile("(?m)^PACKAGES=\\(([^)]*)\\)").matcher(Files.readString(BUILD));
        assertThat(m.find()).as("PACKAGES=(...) in build.sh").isTrue();
        return Arrays.stream(m.group(1).trim().split("\\s+")).sorted().toList();
    }

    @Test
    void theContainerfileInstallsWhatBuildShInstallsWithTheSameUserAndLauncher() throws Exception {
        String containerfile = Files.readString(CONTAINERFILE);
        String marker = "apt-get install -y --no-install-recommends ";
        int from = containerfile.indexOf(marker);
        assertThat(from).isNotNegative();
        // The package list runs over continued lines up to the next command.
        String list = containerfile.substring(from + marker.length(), containerfile.indexOf(" && ", from))
                .replace("\\\n", " ");
        assertThat(Arrays.stream(list.trim().split("\\s+")).sorted().toList()).isEqualTo(buildPackages());
        String build = Files.readString(BUILD);
        // Both put the launcher the package phase uses beside the jar, and link it onto the PATH.
        String launcher = "migrator-runner/src/main/launcher/vmlift";
        assertThat(TektonFiles.REPO.resolve(launcher)).isExecutable();
        assertThat(build).contains("LAUNCHER=" + launcher).contains("cp \"$REPO_ROOT/$LAUNCHER\" \"$STAGE/opt/vmlift/vmlift\"")
                .contains("ln -s ../../../opt/vmlift/vmlift \"$STAGE/usr/local/bin/vmlift\"");
        assertThat(containerfile).contains("COPY --from=build /src/" + launcher + " /opt/vmlift/vmlift")
                .contains("ln -s ../../../opt/vmlift/vmlift /usr/local/bin/vmlift");
        assertThat(build).contains("UID_GID=10001");
        assertThat(containerfile).contains("--uid 10001").contains("--gid 10001").contains("USER 10001:10001")
                .contains("WORKDIR /home/vmlift").contains("ENTRYPOINT [\"/usr/local/bin/vmlift\"]");
    }

    @Test
    void tasksDefaultToTheImageTheReleaseWorkflowPublishes() throws Exception {
        org.w3c.dom.Element project = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(TektonFiles.REPO.resolve("pom.xml").toFile()).getDocumentElement();
        String version = null;
        for (org.w3c.dom.Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
            if ("version".equals(child.getNodeName())) {
                version = child.getTextContent().trim().replace("-SNAPSHOT", "");
            }
        }
        assertThat(version).as("the project version in pom.xml").isNotBlank();
        JsonNode workflow = TektonFiles.read(RELEASE);
        assertThat(workflow.path("on").path("push").path("tags").get(0).asText()).isEqualTo("v*");
        JsonNode job = workflow.path("jobs").path("runner-image");
        assertThat(job.path("env").path("IMAGE").asText()).isEqualTo("ghcr.io/${{ github.repository_owner }}/vmlift-runner");
        String steps = job.path("steps").toString();
        assertThat(steps).contains("tekton-tasks/image/build.sh").contains("skopeo copy")
                .contains("docker://$IMAGE:$VERSION").contains("--password-stdin");
        // The token reaches skopeo through stdin only, never as an argument.
        assertThat(steps).doesNotContain("--password \"").doesNotContain("--creds");
        // migrate's --runner-image default (the conversion pod's image) is the same published image.
        assertThat(io.vmlift.destination.kubevirt.ClusterTarget.Options.RUNNER_IMAGE)
                .isEqualTo("ghcr.io/vmlift/vmlift-runner:" + version);
        List<Path> resources = new ArrayList<>(TektonFiles.tasks());
        resources.addAll(TektonFiles.pipelines());
        for (Path resource : resources) {
            for (JsonNode param : TektonFiles.read(resource).path("spec").path("params")) {
                if (param.path("name").asText().equals("image")) {
                    assertThat(param.path("default").asText()).as(resource.toString())
                            .isEqualTo("ghcr.io/vmlift/vmlift-runner:" + version);
                }
            }
        }
    }
}
