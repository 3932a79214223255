package io.vmlift.jenkins.plugin;

import edu.umd.cs.findbugs.annotations.NonNull;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import hudson.util.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import jenkins.util.SystemProperties;
import jenkins.util.Timer;
import org.jenkinsci.plugins.credentialsbinding.masking.SecretPatterns;
import org.jenkinsci.plugins.durabletask.BourneShellScript;
import org.jenkinsci.plugins.durabletask.Controller;
import org.jenkinsci.plugins.workflow.FilePathUtils;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.support.concurrent.Timeout;
import org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution;

/**
 * Runs vmlift on the agent as a durable task, the way the sh step does, and polls it: the process outlives a
 * controller restart and an agent disconnection, and its output goes to the build log (secrets masked); its
 * result files become the step's return value. Modelled on workflow-durable-task-step's
 * DurableTaskStep.Execution (1479.v56e587f413a_7) in its polling mode.
 *
 * <p>Threads: start and stop run on the CPS VM thread, the polls on jenkins.util.Timer. Every field both touch
 * is volatile (or final); the step ends exactly once, through {@link #end}, whichever thread gets there first.
 */
@SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED",
        justification = "step is used only in start; the rest is per-JVM state rebuilt after a restart")
final class VmliftExecution extends StepExecution {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(VmliftExecution.class.getName());
    private static final long POLL_SECONDS = 5;

    /**
     * How long the step waits for its agent to come back before giving up. Upstream waits
     * ExecutorStepExecution.TIMEOUT_WAITING_FOR_NODE_MILLIS (5 minutes), which is restricted to its own plugin,
     * so the same default under a property of our own.
     */
    private static final long AGENT_TIMEOUT_MILLIS = SystemProperties.getLong(
            VmliftExecution.class.getName() + ".agentTimeoutMillis", TimeUnit.MINUTES.toMillis(5));

    /**
     * Upstream's REMOTE_TIMEOUT (20 s): how long a poll's remote calls may take before the agent counts as gone
     * (a hung channel must not hold a Timer thread), and how long stop waits for the runner to exit.
     */
    private static final long REMOTE_TIMEOUT_SECONDS = SystemProperties.getLong(
            VmliftExecution.class.getName() + ".remoteTimeoutSeconds", 20L);

    /** Used only during start. */
    private final transient VmliftStep step;
    private final String stage;
    private final ArrayList<String> resultNames;

    /** The durable task's serialized state; its log position moves on at each poll. */
    private volatile Controller controller;
    /** The workspace as DurableTaskStep.Execution keeps it: node name ("" for the built-in node) and path. */
    private volatile String node;
    private volatile String remote;
    private volatile String resultsDir;
    /** The private folder holding the kubeconfig, beside the workspace; null once deleted, or when none. */
    private volatile String secretFiles;
    /** The regular expression of the secrets to mask, kept encrypted as credentials-binding's BindingStep does. */
    private volatile Secret maskPattern;

    private transient volatile ScheduledFuture<?> poll;
    private transient volatile Future<?> stopTimer;
    /** Set by stop: the step then ends with it, however the runner ends. */
    private transient volatile Throwable stopCause;
    /** System.nanoTime() when the agent was found offline, 0 while it is online. */
    private transient volatile long offlineSince;
    /**
     * Used by the polls only (one at a time), so that a line split between two polls is masked whole; a last line
     * without a newline is written when the runner exits (dropped if a stop ends the step first).
     */
    private transient volatile SecretPatterns.MaskingOutputStream maskedLog;
    /** Guarded by this. */
    private transient boolean ended;

    VmliftExecution(VmliftStep step, StepContext context) {
        super(context);
        this.step = step;
        this.stage = step.stage();
        this.resultNames = new ArrayList<>(step.resultNames());
    }

    @Override
    public boolean start() throws Exception {
        StepContext context = getContext();
        FilePath ws = context.get(FilePath.class);
        if (ws == null) {
            throw new AbortException("vmlift: no workspace; call the step inside node { }");
        }
        TaskListener listener = context.get(TaskListener.class);
        node = FilePathUtils.getNodeName(ws);
        remote = ws.getRemote();
        FilePath results = ws.child(".vmlift").child(stage + "-results");
        results.deleteRecursive();
        results.mkdirs();
        resultsDir = results.getRemote();
        try {
            FilePath secrets = step.needsSecretFiles() ? createSecretFiles(ws) : null;
            List<String> values = new ArrayList<>();
            EnvVars env = step.environment(context.get(Run.class), context.get(EnvVars.class), secrets, values);
            if (!values.isEmpty()) {
                maskPattern = Secret.fromString(SecretPatterns.getAggregateSecretPattern(values).pattern());
            }
            String command = step.commandLine(".vmlift/" + stage + "-results", env);
            listener.getLogger().println("vmlift: " + command);
            BourneShellScript task = new BourneShellScript(command);
            // As DurableTaskStep.Execution.start: writeLog then hands over UTF-8, which the masking decodes.
            task.defaultCharset();
            controller = task.launch(env, ws, context.get(Launcher.class), listener);
        } catch (IOException | InterruptedException | RuntimeException x) {
            deleteSecretFiles(listener);
            throw x;
        }
        schedulePoll();
        return false;
    }

    /**
     * As DurableTaskStep.Execution.onResume: nothing live survived the restart, and the polls look the workspace
     * up afresh (by node and path) each time, so polling again is all it takes, whether or not the agent is back.
     */
    @Override
    public void onResume() {
        schedulePoll();
    }

    /**
     * As DurableTaskStep.Execution.stop: interrupt the runner when its agent can be reached and let the next poll
     * end the step with the cause when it exits; end it with the cause after REMOTE_TIMEOUT_SECONDS if it does not,
     * and at once when the agent cannot be reached or the interrupt fails. Every path ends the step, so a stop
     * never leaves the build hanging.
     */
    @Override
    public void stop(@NonNull Throwable cause) throws Exception {
        stopCause = cause;
        TaskListener listener = listener();
        try {
            Controller running = controller;
            String name = node;
            FilePath ws = running == null || name == null ? null : FilePathUtils.find(name, remote);
            if (ws == null) {
                if (running != null) {
                    listener.getLogger().println("vmlift: cannot reach " + where() + " to stop the runner;"
                            + " it may still be running there");
                }
                end(cause, null, listener);
                return;
            }
            listener.getLogger().println("vmlift: stopping the runner");
            stopTimer = Timer.get().schedule(() -> {
                if (!isEnded()) {
                    TaskListener log = listener();
                    log.getLogger().println("vmlift: the runner did not stop within " + REMOTE_TIMEOUT_SECONDS
                            + " s");
                    end(cause, null, log);
                }
            }, REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            running.stop(ws, getContext().get(Launcher.class));
        } catch (Exception x) {
            listener.getLogger().println("vmlift: could not stop the runner: " + x);
            end(cause, null, listener);
        }
    }

    private void schedulePoll() {
        poll = Timer.get().scheduleWithFixedDelay(this::pollSafely, POLL_SECONDS, POLL_SECONDS, TimeUnit.SECONDS);
    }

    /** A fixed-delay task that throws is never run again, silently: end the step instead. */
    private void pollSafely() {
        try {
            check();
        } catch (RuntimeException x) {
            LOGGER.log(Level.WARNING, "vmlift " + stage + " poll failed", x);
            end(x, null, listener());
        }
    }

    private void check() {
        if (isEnded()) {
            cancel(poll);
            return;
        }
        TaskListener listener;
        try {
            listener = getContext().get(TaskListener.class);
        } catch (IOException | InterruptedException x) {
            // As DurableTaskStep.Execution._listener: without its log the step is beyond help; stop polling.
            LOGGER.log(Level.FINE, "vmlift " + stage + " has no log any more", x);
            cancel(poll);
            return;
        }
        if (listener == null) {
            listener = TaskListener.NULL;
        }
        FilePath ws = FilePathUtils.find(node, remote);
        if (ws == null) {
            awaitAgent(listener, null);
            return;
        }
        if (offlineSince != 0) {
            offlineSince = 0;
            listener.getLogger().println("vmlift: " + where() + " is back online");
        }
        Integer status;
        try (Timeout limit = Timeout.limit(REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            SecretPatterns.MaskingOutputStream log = maskedLog(listener);
            controller.writeLog(ws, log);
            log.flush();
            status = controller.exitStatus(ws, getContext().get(Launcher.class), listener);
            if (status == null) {
                return;
            }
            controller.writeLog(ws, log);
            log.forceEol();
            log.flush();
            controller.cleanup(ws);
        } catch (IOException | InterruptedException x) {
            // As DurableTaskStep.Execution.check: a remote call that fails (or times out) means the agent went away.
            awaitAgent(listener, x);
            return;
        }
        complete(ws, status, listener);
    }

    /**
     * As DurableTaskStep.Execution.offline: say once that the agent is gone (the runner goes on there), keep
     * polling, and give up only after AGENT_TIMEOUT_MILLIS, with the cause upstream uses, so that
     * retry(conditions: [agent()]) can retry it.
     */
    private void awaitAgent(TaskListener listener, Exception problem) {
        long now = System.nanoTime();
        if (offlineSince == 0) {
            offlineSince = now;
            listener.getLogger().println("vmlift: " + where() + " is offline or unreachable"
                    + (problem != null ? " (" + problem + ")" : "") + "; the runner goes on there; waiting up to "
                    + Util.getTimeSpanString(AGENT_TIMEOUT_MILLIS) + " for it to come back");
        } else if (now - offlineSince > TimeUnit.MILLISECONDS.toNanos(AGENT_TIMEOUT_MILLIS)) {
            listener.getLogger().println("vmlift: " + where() + " has been offline for "
                    + Util.getTimeSpanString(AGENT_TIMEOUT_MILLIS) + "; giving up");
            end(new FlowInterruptedException(Result.ABORTED, false,
                    new ExecutorStepExecution.RemovedNodeTimeoutCause()), null, listener);
        }
    }

    private void complete(FilePath ws, int status, TaskListener listener) {
        Map<String, Object> results;
        try (Timeout limit = Timeout.limit(REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            results = readResults(new FilePath(ws.getChannel(), resultsDir));
        } catch (IOException | InterruptedException x) {
            end(x, null, listener);
            return;
        }
        results.put("exitCode", status);
        if (status != 0) {
            end(new AbortException("vmlift " + stage + " failed (exit " + status + "): "
                    + results.getOrDefault("error", "see the log above")), null, listener);
        } else {
            end(null, results, listener);
        }
    }

    /**
     * The one way the step ends: polling stops, the kubeconfig goes, and the context hears of it exactly once,
     * with the stop cause when the step was stopped (upstream's handleExit does the same with causeOfStoppage).
     * The context is told even if the clean-up fails.
     */
    private void end(Throwable failure, Object result, TaskListener listener) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        try {
            cancel(poll);
            cancel(stopTimer);
            deleteSecretFiles(listener);
        } finally {
            Throwable cause = stopCause != null ? stopCause : failure;
            if (cause != null) {
                getContext().onFailure(cause);
            } else {
                getContext().onSuccess(result);
            }
        }
    }

    private synchronized boolean isEnded() {
        return ended;
    }

    private static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * As credentials-binding's UnbindableDir.create: a folder of its own under WorkspaceList.tempDir (the
     * workspace's @tmp sibling, which the build's artifacts and workspace browser never show), readable by the
     * agent's user only.
     */
    private FilePath createSecretFiles(FilePath ws) throws IOException, InterruptedException {
        FilePath temp = WorkspaceList.tempDir(ws);
        if (temp == null) {
            throw new AbortException("vmlift: no temporary folder beside " + ws.getRemote());
        }
        FilePath parent = temp.child("vmlift-secrets");
        FilePath dir = parent.child(UUID.randomUUID().toString());
        dir.mkdirs();
        parent.chmod(0700);
        dir.chmod(0700);
        secretFiles = dir.getRemote();
        return dir;
    }

    /** As credentials-binding's unbinder: the folder goes when the step ends, however it ends. */
    private void deleteSecretFiles(TaskListener listener) {
        String path = secretFiles;
        if (path == null) {
            return;
        }
        FilePath dir = node == null ? null : FilePathUtils.find(node, path);
        if (dir == null) {
            listener.getLogger().println("vmlift: " + where() + " is offline; could not delete " + path);
            return;
        }
        try {
            dir.deleteRecursive();
            secretFiles = null;
        } catch (IOException | InterruptedException x) {
            listener.getLogger().println("vmlift: could not delete " + path + ": " + x);
        }
    }

    /** The runner's output, with every known encoding of the secrets replaced (credentials-binding's masking). */
    private SecretPatterns.MaskingOutputStream maskedLog(TaskListener listener) {
        SecretPatterns.MaskingOutputStream out = maskedLog;
        if (out == null) {
            Secret pattern = maskPattern;
            out = new SecretPatterns.MaskingOutputStream(listener.getLogger(),
                    () -> pattern == null ? null : Pattern.compile(pattern.getPlainText()),
                    StandardCharsets.UTF_8.name());
            maskedLog = out;
        }
        return out;
    }

    /** As DurableTaskStep.Execution._listener: the build log if the context still has one. */
    private TaskListener listener() {
        try {
            TaskListener listener = getContext().get(TaskListener.class);
            return listener != null ? listener : TaskListener.NULL;
        } catch (IOException | InterruptedException x) {
            LOGGER.log(Level.FINE, "vmlift " + stage + " has no log", x);
            return TaskListener.NULL;
        }
    }

    private String where() {
        String name = node;
        return name == null || name.isEmpty() ? "the built-in node" : "agent " + name;
    }

    private Map<String, Object> readResults(FilePath results) throws IOException, InterruptedException {
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(resultNames);
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
