package io.vmlift.jenkins.plugin;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.ListBoxModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;

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
        this.credentialsId = Util.fixEmpty(credentialsId);
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
        this.kubeconfigCredentialsId = Util.fixEmpty(kubeconfigCredentialsId);
    }

    public String getRunner() {
        return runner;
    }

    @DataBoundSetter
    public void setRunner(String runner) {
        this.runner = Util.fixEmpty(runner);
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        validate();
        return new VmliftExecution(this, context);
    }

    /**
     * The shared part of each step's descriptor: what a vmlift step needs from the build, and the credential
     * drop-downs of config.jelly (c:select calls doFill&lt;Field&gt;Items on the descriptor).
     */
    public abstract static class Descriptor extends StepDescriptor {
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return CONTEXT;
        }

        /** The source login: username/password credentials only. */
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item,
                                                     @QueryParameter String credentialsId) {
            return credentialItems(item, credentialsId, StandardUsernamePasswordCredentials.class);
        }

        /** The target's kubeconfig: file credentials only (plain-credentials' FileCredentials). */
        public ListBoxModel doFillKubeconfigCredentialsIdItems(@AncestorInPath Item item,
                                                               @QueryParameter String kubeconfigCredentialsId) {
            return credentialItems(item, kubeconfigCredentialsId, FileCredentials.class);
        }

        /**
         * Follows credentials' docs/consumer.adoc (doFillCredentialsIdItems): only someone who may configure or
         * use the item's credentials (Jenkins.ADMINISTER without an item) gets the list; anyone else sees only
         * the current value, so that saving the form keeps it. It only lists (no secret is read, nothing
         * changes), hence a plain @QueryParameter method and no @POST. Credentials are listed as the item's
         * own authentication, the one the build resolves them with.
         */
        static ListBoxModel credentialItems(Item item, String current,
                                            Class<? extends StandardCredentials> type) {
            StandardListBoxModel model = new StandardListBoxModel();
            String value = Util.fixNull(current);
            boolean allowed = item == null
                    ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                    : item.hasPermission(Item.EXTENDED_READ) || item.hasPermission(CredentialsProvider.USE_ITEM);
            if (!allowed) {
                model.includeCurrentValue(value);
                return model;
            }
            model.includeEmptyValue();
            if (item == null) {
                model.includeMatchingAs(ACL.SYSTEM2, Jenkins.get(), type, Collections.emptyList(),
                        CredentialsMatchers.always());
            } else {
                model.includeMatchingAs(item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task)
                        : ACL.SYSTEM2, item, type, Collections.emptyList(), CredentialsMatchers.always());
            }
            model.includeCurrentValue(value);
            return model;
        }
    }

    /** The stage: connect, map, plan, migrate, test, rollback. */
    abstract String stage();

    /** The stage's own options. */
    abstract List<String> options();

    /** The result files the stage writes, read back into the step's return value. */
    abstract List<String> resultNames();

    /** Refuses arguments that cannot work together, before anything runs (as the library's error() does). */
    void validate() throws AbortException {}

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

    boolean needsSecretFiles() {
        return kubeconfigCredentialsId != null;
    }

    /**
     * The environment the runner gets: the agent's, plus the credentials. The kubeconfig goes into secretFiles
     * (a private folder beside the workspace, never inside it); every secret value is added to secrets, for the
     * log masking. Each credential is tracked against the build, as credentials' consumer guide asks of anyone
     * who reads a secret (findCredentialById tracks too, but not for every kind of id).
     */
    EnvVars environment(Run<?, ?> run, EnvVars base, FilePath secretFiles, List<String> secrets)
            throws IOException, InterruptedException {
        EnvVars env = new EnvVars(base);
        if (credentialsId != null) {
            StandardUsernamePasswordCredentials login = CredentialsProvider.findCredentialById(credentialsId,
                    StandardUsernamePasswordCredentials.class, run, Collections.emptyList());
            if (login == null) {
                throw new AbortException("vmlift: no username/password credential '" + credentialsId + "'");
            }
            CredentialsProvider.track(run, login);
            String password = login.getPassword().getPlainText();
            env.put(variable(secretName, "user"), login.getUsername());
            env.put(variable(secretName, "password"), password);
            secrets.add(password);
            // As credentials-binding's UsernamePasswordMultiBinding: the user name is masked unless the
            // credential says it is not secret.
            if (login.isUsernameSecret()) {
                secrets.add(login.getUsername());
            }
        }
        if (kubeconfigCredentialsId != null) {
            FileCredentials kubeconfig = CredentialsProvider.findCredentialById(kubeconfigCredentialsId,
                    FileCredentials.class, run, Collections.emptyList());
            if (kubeconfig == null) {
                throw new AbortException("vmlift: no file credential '" + kubeconfigCredentialsId + "'");
            }
            CredentialsProvider.track(run, kubeconfig);
            FilePath file = secretFiles.child("kubeconfig");
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

    static boolean given(String value) {
        return value != null && !value.isEmpty();
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
