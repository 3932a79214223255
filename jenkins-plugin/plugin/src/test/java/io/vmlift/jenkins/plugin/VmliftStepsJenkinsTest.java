package io.vmlift.jenkins.plugin;

import hudson.model.Result;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The steps in a real Jenkins (JenkinsRule), running the vmlift jar of this repository on its example OVA.
 * Built only with -Pjenkins-plugin; not compiled or run on the machines this project is built on.
 */
@WithJenkins
class VmliftStepsJenkinsTest {
    private static final Path REPO = Path.of(System.getProperty("vmlift.repoRoot", "../..")).toAbsolutePath();
    private static final String RUNNER = "java -jar " + REPO.resolve("migrator-runner/target/vmlift.jar");
    private static final String DOCUMENTS = REPO.resolve("examples/pipelines/ova").toString();

    @Test
    void connectReturnsWhatTheSourceHolds(JenkinsRule jenkins) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "connect");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  def found = vmliftConnect(documents: '" + DOCUMENTS + "', runner: '" + RUNNER + "')\n"
                + "  echo \"found ${found.vmCount} VM(s) at ${found.provider}\"\n"
                + "}\n", true));
        WorkflowRun run = jenkins.buildAndAssertSuccess(job);
        jenkins.assertLogContains("found 1 VM(s) at example-ova", run);
    }

    @Test
    void migrateAndTestIntoAFolder(JenkinsRule jenkins) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "migrate");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  def moved = vmliftMigrate(documents: '" + DOCUMENTS + "', runner: '" + RUNNER + "', outputDir: 'out')\n"
                + "  def tested = vmliftTest(documents: '" + DOCUMENTS + "', runner: '" + RUNNER + "', outputDir: 'out',"
                + " junit: 'junit.xml')\n"
                + "  echo \"moved ${moved.migratedVms}; ${tested.testSummary}\"\n"
                + "}\n", true));
        WorkflowRun run = jenkins.buildAndAssertSuccess(job);
        jenkins.assertLogContains("moved [example-vm]", run);
    }

    @Test
    void aPlanTheDocumentsLackFailsWithTheRunnersReason(JenkinsRule jenkins) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "plan");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  vmliftPlan(documents: '" + DOCUMENTS + "', runner: '" + RUNNER + "', plan: 'no-such-plan')\n"
                + "}\n", true));
        WorkflowRun run = jenkins.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));
        jenkins.assertLogContains("exit 2", run);
    }
}
