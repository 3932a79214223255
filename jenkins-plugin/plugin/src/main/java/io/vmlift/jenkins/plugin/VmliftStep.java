package io.vmlift.jenkins.plugin;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * What every vmlift step has: the documents, the source login (a username/password credential, handed to the
 * runner only as VMLIFT_&lt;SECRET&gt;_USER/PASSWORD in its environment), the target's kubeconfig (a file
 * credential), and the runner command. Subclasses add their stage's options.
 */
public abstract class VmliftStep extends Step {
    static final Set<Class<?>> CONTEXT = Set.of(Run.class, FilePath.class, Launcher.class, TaskListener.class,
            EnvVars.class);

    private String documents = "documents";
    private String credentialsId;
    private String secretName = "vmlift-source-credentials";
    private String kubeconfigCredentialsId;
    private String runner;

    public String getDocuments() {
        return documents;
    }

    @DataBoundSetter
    public void setDocuments(String documents) {
        this.documents = documents;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = credentialsId;
    }

    public String getSecretName() {
        return secretName;
    }

    @DataBoundSetter
    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }

    public String getKubeconfigCredentialsId() {
        return kubeconfigCredentialsId;
    }

    @DataBoundSetter
    public void setKubeconfigCredentialsId(String kubeconfigCredentialsId) {
        this.kubeconfigCredentialsId = kubeconfigCredentialsId;
    }

    public String getRunner() {
        return runner;
    }

    @DataBoundSetter
    public void setRunner(String runner) {
        this.runner = runner;
    }

    @Override
    public StepExecution start(StepContext context) {
        return new VmliftExecution(this, context);
    }

    /** The shared part of each step's descriptor: what a vmlift step needs from the build. */
    public abstract static class Descriptor extends StepDescriptor {
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return CONTEXT;
        }
    }

    /** The stage: connect, map, plan, migrate, test. */
    abstract String stage();

    /** The stage's own options. */
    abstract List<String> options();

    /** The result files the stage writes, read back into the step's return value. */
    abstract List<String> resultNames();

    /** The command line; the runner prefix as given, every other word quoted for sh. */
    String commandLine(String resultsDir, EnvVars env) {
        String prefix = runner != null ? runner : env.getOrDefault("VMLIFT_RUNNER", "vmlift");
        List<String> words = new ArrayList<>(List.of("-f", documents, "--results-dir", resultsDir));
        words.addAll(options());
        StringBuilder line = new StringBuilder(prefix).append(' ').append(stage());
        for (String word : words) {
            line.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        return line.toString();
    }

    /** The environment the runner gets: the agent's, plus the credentials; nothing of it goes into the log. */
    EnvVars environment(StepContext context, FilePath temp) throws IOException, InterruptedException {
        EnvVars env = new EnvVars(context.get(EnvVars.class));
        Run<?, ?> run = context.get(Run.class);
        if (credentialsId != null && !credentialsId.isEmpty()) {
            StandardUsernamePasswordCredentials login = CredentialsProvider.findCredentialById(credentialsId,
                    StandardUsernamePasswordCredentials.class, run, Collections.emptyList());
            if (login == null) {
                throw new AbortException("vmlift: no username/password credential '" + credentialsId + "'");
            }
            env.put(variable(secretName, "user"), login.getUsername());
            env.put(variable(secretName, "password"), login.getPassword().getPlainText());
        }
        if (kubeconfigCredentialsId != null && !kubeconfigCredentialsId.isEmpty()) {
            FileCredentials kubeconfig = CredentialsProvider.findCredentialById(kubeconfigCredentialsId,
                    FileCredentials.class, run, Collections.emptyList());
            if (kubeconfig == null) {
                throw new AbortException("vmlift: no file credential '" + kubeconfigCredentialsId + "'");
            }
            FilePath file = temp.child("kubeconfig");
            try (InputStream content = kubeconfig.getContent()) {
                file.copyFrom(content);
            }
            file.chmod(0600);
            env.put("KUBECONFIG", file.getRemote());
        }
        return env;
    }

    static String variable(String secret, String key) {
        return "VMLIFT_" + (secret.toUpperCase(Locale.ROOT) + "_" + key.toUpperCase(Locale.ROOT))
                .replaceAll("[^A-Z0-9_]", "_");
    }

    static String camel(String name) {
        StringBuilder out = new StringBuilder();
        boolean up = false;
        for (char c : name.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                out.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return out.toString();
    }

    static Object value(String text) {
        String trimmed = text.trim();
        if (trimmed.equals("true") || trimmed.equals("false")) {
            return Boolean.valueOf(trimmed);
        }
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
            List<String> items = new ArrayList<>();
            String inner = trimmed.substring(1, trimmed.length() - 1).trim();
            if (!inner.isEmpty()) {
                for (String item : inner.split(",")) {
                    items.add(item.trim().replaceAll("^\"|\"$", ""));
                }
            }
            return items;
        }
        return trimmed;
    }
}
