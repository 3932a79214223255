package io.vmlift.jenkins.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.CredentialsStore;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.domains.Domain;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.Fingerprint;
import hudson.model.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The steps in a real Jenkins (JenkinsRule): the vmlift jar of this repository on its example OVA, and a fake
 * runner (FakeRunner) where a test needs the runner to hold or to print a secret.
 * Built only with -Pjenkins-plugin; not compiled or run on the machines this project is built on.
 */
@WithJenkins
class VmliftStepsJenkinsTest {
    private static final Path REPO = Path.of(System.getProperty("vmlift.repoRoot", "../..")).toAbsolutePath();
    private static final String RUNNER = "java -jar " + REPO.resolve("migrator-runner/target/vmlift.jar");
    private static final String DOCUMENTS = REPO.resolve("examples/pipelines/ova").toString();
    static final String PASSWORD = "s3cr3t-source-pa55word";

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

    /** The waves a Plan splits into, and a migrated wave undone (the runner's results, checked by hand). */
    @Test
    void wavesAndARollback(JenkinsRule jenkins) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "waves");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                // The split is written into the documents: a copy of them, not the repository's.
                + "  sh \"rm -rf docs && cp -r '" + DOCUMENTS + "' docs\"\n"
                + "  def planned = vmliftPlan(documents: 'docs', runner: '" + RUNNER + "', plan: 'example-wave-1',"
                + " waves: 1, canary: 0)\n"
                + "  echo \"waves ${planned.wavePlans}\"\n"
                + "  vmliftMigrate(documents: 'docs', runner: '" + RUNNER + "', plan: 'example-wave-1',"
                + " outputDir: 'out')\n"
                + "  def undone = vmliftRollback(documents: 'docs', runner: '" + RUNNER + "', plan: 'example-wave-1',"
                + " outputDir: 'out')\n"
                + "  echo \"rolled back ${undone.rolledBackVms}: ${undone.rollbackStatus}\"\n"
                + "}\n", true));
        WorkflowRun run = jenkins.buildAndAssertSuccess(job);
        jenkins.assertLogContains("waves [example-wave-1-wave-1]", run);
        jenkins.assertLogContains("rolled back [example-vm]: RolledBack", run);
    }

    @Test
    void wavesNeedAPlan(JenkinsRule jenkins) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "waves-without-plan");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  vmliftPlan(documents: '" + DOCUMENTS + "', runner: '" + RUNNER + "', waves: 2)\n"
                + "}\n", true));
        WorkflowRun run = jenkins.assertBuildStatus(Result.FAILURE, job.scheduleBuild2(0));
        jenkins.assertLogContains("waves needs plan", run);
    }

    /**
     * The password the runner prints is masked, the credential's use is recorded against the job, and the
     * kubeconfig lived beside the workspace (@tmp), not in it, and is gone when the step is done.
     */
    @Test
    void secretsAreMaskedTrackedAndDeleted(JenkinsRule jenkins, @TempDir Path control) throws Exception {
        FakeRunner runner = new FakeRunner(control);
        UsernamePasswordCredentialsImpl login = addCredentials(jenkins);
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "secrets");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  def moved = vmliftMigrate(runner: '" + runner.command + "', credentialsId: 'source',"
                + " secretName: 'src', kubeconfigCredentialsId: 'target')\n"
                + "  echo \"moved ${moved.migratedVms}\"\n"
                + "}\n", true));
        WorkflowRun run = jenkins.buildAndAssertSuccess(job);
        jenkins.assertLogContains("moved [vm-1]", run);
        jenkins.assertLogContains("login bob:****", run);
        jenkins.assertLogNotContains(PASSWORD, run);
        Path kubeconfig = runner.kubeconfig();
        assertTrue(kubeconfig.toString().contains("@tmp/"), kubeconfig + " is beside the workspace");
        assertFalse(Files.exists(kubeconfig), kubeconfig + " was deleted");
        Fingerprint used = CredentialsProvider.getFingerprintOf(login);
        assertNotNull(used);
        assertTrue(used.getJobs().contains(job.getFullName()));
    }

    /** Aborting the build during a migration stops the runner, ends the build, and deletes the kubeconfig. */
    @Test
    void abortingAMigrationEndsTheBuild(JenkinsRule jenkins, @TempDir Path control) throws Exception {
        FakeRunner runner = new FakeRunner(control);
        runner.hold();
        addCredentials(jenkins);
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, "abort");
        job.setDefinition(new CpsFlowDefinition("node {\n"
                + "  vmliftMigrate(runner: '" + runner.command + "', kubeconfigCredentialsId: 'target')\n"
                + "}\n", true));
        WorkflowRun run = job.scheduleBuild2(0).waitForStart();
        jenkins.waitForMessage("waiting", run);
        Path kubeconfig = runner.kubeconfig();
        assertTrue(Files.exists(kubeconfig));
        run.getExecutor().interrupt();
        jenkins.assertBuildStatus(Result.ABORTED, jenkins.waitForCompletion(run));
        jenkins.assertLogNotContains("fake vmlift migrate done", run);
        assertFalse(Files.exists(kubeconfig), kubeconfig + " was deleted");
    }

    /** vms is a list: on the form a textarea, one VM per line, and back to the same list. */
    @Test
    void theFormKeepsTheVmList(JenkinsRule jenkins) throws Exception {
        VmliftMapStep step = new VmliftMapStep();
        step.setVms(List.of("web-1", "db-1"));
        step.setStorageClass("fast");
        VmliftMapStep after = new StepConfigTester(jenkins).configRoundTrip(step);
        assertEquals(List.of("web-1", "db-1"), after.getVms());
        jenkins.assertEqualDataBoundBeans(step, after);
    }

    static UsernamePasswordCredentialsImpl addCredentials(JenkinsRule jenkins) throws Exception {
        CredentialsStore store = CredentialsProvider.lookupStores(jenkins.jenkins).iterator().next();
        UsernamePasswordCredentialsImpl login = new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL,
                "source", "source login", "bob", PASSWORD);
        store.addCredentials(Domain.global(), login);
        store.addCredentials(Domain.global(), new FileCredentialsImpl(CredentialsScope.GLOBAL, "target",
                "target kubeconfig", "kubeconfig",
                SecretBytes.fromRawBytes("apiVersion: v1\nkind: Config\n".getBytes(StandardCharsets.UTF_8))));
        return login;
    }
}
