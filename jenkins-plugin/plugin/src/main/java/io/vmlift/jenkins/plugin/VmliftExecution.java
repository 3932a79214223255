package io.vmlift.jenkins.plugin;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.TaskListener;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jenkins.util.Timer;
import org.jenkinsci.plugins.durabletask.BourneShellScript;
import org.jenkinsci.plugins.durabletask.Controller;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * Runs vmlift on the agent as a durable task, the way the sh step does, and polls it: the process outlives a
 * controller restart, and onResume picks the polling up again, so a long migration is not lost with the
 * controller. Its output goes to the build log; its result files become the step's return value.
 */
final class VmliftExecution extends StepExecution {
    private static final long serialVersionUID = 1L;
    private static final long POLL_SECONDS = 5;

    private final transient VmliftStep step;
    private final String stage;
    private final java.util.List<String> resultNames;
    private Controller controller;
    private String workspace;
    private String resultsDir;
    private transient ScheduledFuture<?> poll;

    VmliftExecution(VmliftStep step, StepContext context) {
        super(context);
        this.step = step;
        this.stage = step.stage();
        this.resultNames = step.resultNames();
    }

    @Override
    public boolean start() throws Exception {
        StepContext context = getContext();
        FilePath ws = context.get(FilePath.class);
        FilePath temp = ws.sibling(ws.getName() + "@tmp").child("vmlift");
        temp.mkdirs();
        FilePath results = ws.child(".vmlift").child(stage + "-results");
        results.deleteRecursive();
        results.mkdirs();
        workspace = ws.getRemote();
        resultsDir = results.getRemote();
        EnvVars env = step.environment(context, temp);
        String command = step.commandLine(".vmlift/" + stage + "-results", env);
        context.get(TaskListener.class).getLogger().println("vmlift: " + command);
        controller = new BourneShellScript(command).launch(env, ws, context.get(Launcher.class),
                context.get(TaskListener.class));
        schedulePoll();
        return false;
    }

    @Override
    public void onResume() {
        schedulePoll();
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        if (poll != null) {
            poll.cancel(false);
        }
        if (controller != null) {
            controller.stop(new FilePath(getContext().get(Launcher.class).getChannel(), workspace),
                    getContext().get(Launcher.class));
        }
        getContext().onFailure(cause);
    }

    private void schedulePoll() {
        poll = Timer.get().scheduleWithFixedDelay(this::check, POLL_SECONDS, POLL_SECONDS, TimeUnit.SECONDS);
    }

    private void check() {
        try {
            Launcher launcher = getContext().get(Launcher.class);
            TaskListener listener = getContext().get(TaskListener.class);
            FilePath ws = new FilePath(launcher.getChannel(), workspace);
            controller.writeLog(ws, listener.getLogger());
            Integer status = controller.exitStatus(ws, launcher, listener);
            if (status == null) {
                return;
            }
            poll.cancel(false);
            controller.writeLog(ws, listener.getLogger());
            controller.cleanup(ws);
            Map<String, Object> results = readResults(new FilePath(launcher.getChannel(), resultsDir));
            results.put("exitCode", status);
            if (status != 0) {
                getContext().onFailure(new AbortException("vmlift " + stage + " failed (exit " + status + "): "
                        + results.getOrDefault("error", "see the log above")));
            } else {
                getContext().onSuccess(results);
            }
        } catch (Exception e) {
            if (poll != null) {
                poll.cancel(false);
            }
            getContext().onFailure(e);
        }
    }

    private Map<String, Object> readResults(FilePath results) throws Exception {
        Map<String, Object> values = new java.util.LinkedHashMap<>();
        java.util.List<String> names = new java.util.ArrayList<>(resultNames);
        names.add("error");
        for (String name : names) {
            FilePath file = results.child(name);
            if (file.exists()) {
                values.put(VmliftStep.camel(name), VmliftStep.value(file.readToString()));
            }
        }
        return values;
    }
}
