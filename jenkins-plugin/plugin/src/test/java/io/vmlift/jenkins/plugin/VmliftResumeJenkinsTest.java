package io.vmlift.jenkins.plugin;

import hudson.slaves.DumbSlave;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/**
 * A migration that outlives its agent's disconnection and a controller restart, the way workflow-durable-task-step's
 * ExecutorStepTest checks sh (buildShellScriptAcrossDisconnect, shellOutputAcrossRestart): a DumbSlave disconnected
 * and connected again, and JenkinsSessionExtension for the restart. The fake runner holds until told to finish.
 * Built only with -Pjenkins-plugin; not compiled or run on the machines this project is built on.
 */
class VmliftResumeJenkinsTest {
    @RegisterExtension
    private static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    @TempDir
    private Path control;

    @Test
    void waitsForItsAgentToComeBack() throws Throwable {
        sessions.then(jenkins -> {
            FakeRunner runner = new FakeRunner(control);
            runner.hold();
            DumbSlave agent = jenkins.createSlave("mover", null, null);
            jenkins.waitOnline(agent);
            WorkflowRun run = startMigration(jenkins, "offline", runner);
            agent.toComputer().disconnect(null).get();
            jenkins.waitForMessage("agent mover is offline or unreachable", run);
            runner.release();
            jenkins.waitOnline(agent);
            jenkins.assertBuildStatusSuccess(jenkins.waitForCompletion(run));
            jenkins.assertLogContains("agent mover is back online", run);
            jenkins.assertLogContains("fake vmlift migrate done", run);
            jenkins.assertLogContains("moved [vm-1]", run);
        });
    }

    @Test
    void resumesAfterARestartWhileItsAgentWasAway() throws Throwable {
        sessions.then(jenkins -> {
            FakeRunner runner = new FakeRunner(control);
            runner.hold();
            DumbSlave agent = jenkins.createSlave("mover", null, null);
            jenkins.waitOnline(agent);
            startMigration(jenkins, "restart", runner);
            // The agent goes first, then the controller; the runner goes on, holding.
            agent.toComputer().disconnect(null).get();
        });
        sessions.then(jenkins -> {
            WorkflowRun run = jenkins.jenkins.getItemByFullName("restart", WorkflowJob.class).getBuildByNumber(1);
            new FakeRunner(control).release();
            jenkins.assertBuildStatusSuccess(jenkins.waitForCompletion(run));
            jenkins.assertLogContains("fake vmlift migrate done", run);
            jenkins.assertLogContains("moved [vm-1]", run);
        });
    }

    private static WorkflowRun startMigration(JenkinsRule jenkins, String name, FakeRunner runner) throws Exception {
        WorkflowJob job = jenkins.createProject(WorkflowJob.class, name);
        job.setDefinition(new CpsFlowDefinition("node('mover') {\n"
                + "  def moved = vmliftMigrate(runner: '" + runner.command + "')\n"
                + "  echo \"moved ${moved.migratedVms}\"\n"
                + "}\n", true));
        WorkflowRun run = job.scheduleBuild2(0).waitForStart();
        jenkins.waitForMessage("waiting", run);
        return run;
    }
}
