package io.vmlift.jenkins;

import com.lesfurets.jenkins.unit.BasePipelineTest;
import com.lesfurets.jenkins.unit.MethodCall;
import com.lesfurets.jenkins.unit.PipelineTestHelper;
import com.lesfurets.jenkins.unit.cps.BasePipelineTestCPS;
import com.lesfurets.jenkins.unit.global.lib.LibraryConfiguration;
import com.lesfurets.jenkins.unit.global.lib.LocalSource;
import groovy.lang.Closure;
import groovy.lang.Script;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.codehaus.groovy.runtime.MethodClosure;

/**
 * A Jenkins pipeline under JenkinsPipelineUnit 1.1, normal or CPS, with this repository's shared library loaded as
 * a global library (vmlift@main), and the Jenkins steps the library uses played here: `sh` (recorded, and run for
 * real by `sh -c` in the workspace when asked), `withCredentials` with `usernamePassword` and `file` from a
 * credential store, `readFile`, `fileExists`, `junit`, `archiveArtifacts`, `input`, `error`, `node`, `parallel`,
 * `stash`/`unstash`, and the Kubernetes plugin's `podTemplate` and `container`.
 */
final class PipelineHarness {
    static final Path REPO = Path.of(System.getProperty("vmlift.repoRoot", "..")).toAbsolutePath().normalize();

    /** One `sh` call: the script and the environment the credentials bound around it. */
    record Shell(String script, Map<String, String> environment) {}

    private final BasePipelineTest base;
    private final Path workspace;
    private final boolean realShell;
    private final Map<String, Map<String, String>> credentials = new HashMap<>();
    private final Map<String, String> boundEnvironment = new LinkedHashMap<>();
    final List<Shell> shells = new ArrayList<>();
    final List<Map<?, ?>> junitCalls = new ArrayList<>();
    final List<Map<?, ?>> archived = new ArrayList<>();
    final List<Map<?, ?>> inputs = new ArrayList<>();
    /** The parameters a Jenkinsfile declared with properties([parameters([...])]), by name. */
    final List<String> declaredParameters = new ArrayList<>();
    final List<String> nodeLabels = new ArrayList<>();
    final List<Map<?, ?>> podTemplates = new ArrayList<>();
    final List<String> containers = new ArrayList<>();
    final List<String> parallelBranches = new ArrayList<>();
    final List<String> stashes = new ArrayList<>();
    /** How often a Jenkinsfile checked the repository out (checkout scm). */
    int checkouts;
    private int fakeExitCode;

    PipelineHarness(boolean cps, Path workspace, boolean realShell) throws Exception {
        this.workspace = workspace;
        this.realShell = realShell;
        this.base = cps ? new BasePipelineTestCPS() { } : new BasePipelineTest() { };
        base.setScriptRoots(new String[] {workspace.toString()});
        base.setUp();
        Path libraries = Files.createDirectories(workspace.resolve(".libraries"));
        Path library = libraries.resolve("vmlift@main");
        copy(REPO.resolve("jenkins-plugin/vars"), library.resolve("vars"));
        copy(REPO.resolve("jenkins-plugin/src"), library.resolve("src"));
        helper().registerSharedLibrary(LibraryConfiguration.library().name("vmlift").defaultVersion("main")
                .allowOverride(true).implicit(false).targetPath(libraries.toString())
                .retriever(LocalSource.localSource(libraries.toString())).build());
        helper().registerAllowedMethod("sh", List.of(Map.class), new MethodClosure(this, "sh"));
        helper().registerAllowedMethod("withCredentials", List.of(List.class, Closure.class),
                new MethodClosure(this, "withCredentials"));
        helper().registerAllowedMethod("usernamePassword", List.of(Map.class), new MethodClosure(this, "binding"));
        helper().registerAllowedMethod("file", List.of(Map.class), new MethodClosure(this, "binding"));
        helper().registerAllowedMethod("readFile", List.of(String.class), new MethodClosure(this, "readFile"));
        helper().registerAllowedMethod("fileExists", List.of(String.class), new MethodClosure(this, "fileExists"));
        helper().registerAllowedMethod("junit", List.of(Map.class), new MethodClosure(this, "junit"));
        helper().registerAllowedMethod("archiveArtifacts", List.of(Map.class), new MethodClosure(this, "archive"));
        helper().registerAllowedMethod("input", List.of(Map.class), new MethodClosure(this, "input"));
        helper().registerAllowedMethod("error", List.of(String.class), new MethodClosure(this, "error"));
        // The steps a scripted Jenkinsfile uses to declare its parameters and check its repository out.
        helper().registerAllowedMethod("string", List.of(Map.class), new MethodClosure(this, "parameter"));
        helper().registerAllowedMethod("parameters", List.of(List.class), new MethodClosure(this, "parameters"));
        helper().registerAllowedMethod("properties", List.of(List.class), new MethodClosure(this, "properties"));
        helper().registerAllowedMethod("checkout", List.of(Map.class), new MethodClosure(this, "checkout"));
        // Agents and parallel branches, as the Kubernetes plugin and workflow-cps give them.
        helper().registerAllowedMethod("node", List.of(String.class, Closure.class), new MethodClosure(this, "node"));
        helper().registerAllowedMethod("podTemplate", List.of(Map.class, Closure.class),
                new MethodClosure(this, "podTemplate"));
        helper().registerAllowedMethod("container", List.of(String.class, Closure.class),
                new MethodClosure(this, "container"));
        helper().registerAllowedMethod("parallel", List.of(Map.class), new MethodClosure(this, "parallel"));
        helper().registerAllowedMethod("stash", List.of(Map.class), new MethodClosure(this, "stash"));
        helper().registerAllowedMethod("unstash", List.of(String.class), new MethodClosure(this, "unstash"));
        base.getBinding().setVariable("scm", Map.of("$class", "GitSCM"));
        base.getBinding().setVariable("env", new HashMap<String, String>());
    }

    PipelineTestHelper helper() {
        return base.getHelper();
    }

    /** The pipeline's variables: params, env. */
    groovy.lang.Binding binding() {
        return base.getBinding();
    }

    /** A usernamePassword credential in the store. */
    PipelineHarness usernamePassword(String id, String user, String password) {
        credentials.put(id, Map.of("user", user, "password", password));
        return this;
    }

    /** A file credential (a kubeconfig) in the store. */
    PipelineHarness file(String id, Path file) {
        credentials.put(id, Map.of("file", file.toString()));
        return this;
    }

    /** Without a real shell, what every vmlift call exits with. */
    PipelineHarness fakeExitCode(int code) {
        fakeExitCode = code;
        return this;
    }

    /** Runs a pipeline script (e.g. a Jenkinsfile) from the workspace. */
    Object run(String scriptName) throws Exception {
        Script script = base.loadScript(scriptName);
        return base.runScript(script);
    }

    List<String> callStack() {
        return helper().getCallStack().stream().map(MethodCall::toString).toList();
    }

    // ---- the steps, played -----------------------------------------------------------------------------

    public Object sh(Map<?, ?> args) throws IOException, InterruptedException {
        String script = String.valueOf(args.get("script"));
        shells.add(new Shell(script, Map.copyOf(boundEnvironment)));
        int status = 0;
        if (realShell) {
            ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).directory(workspace.toFile())
                    .redirectErrorStream(true).redirectOutput(workspace.resolve(".sh-" + shells.size() + ".log").toFile());
            builder.environment().putAll(boundEnvironment);
            Process process = builder.start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("sh did not finish: " + script);
            }
            status = process.exitValue();
        } else if (script.contains("--results-dir")) {
            status = fakeExitCode;
        }
        return Boolean.TRUE.equals(args.get("returnStatus")) ? status : null;
    }

    /** What the shell printed for the nth sh call (1-based), with a real shell. */
    String shellLog(int n) throws IOException {
        return Files.readString(workspace.resolve(".sh-" + n + ".log"));
    }

    public Object withCredentials(List<?> bindings, Closure<?> body) {
        Map<String, String> added = new LinkedHashMap<>();
        for (Object item : bindings) {
            Map<?, ?> binding = (Map<?, ?>) item;
            Map<String, String> credential = credentials.get(String.valueOf(binding.get("credentialsId")));
            if (credential == null) {
                throw new IllegalStateException("no credential " + binding.get("credentialsId"));
            }
            if (binding.containsKey("usernameVariable")) {
                added.put(String.valueOf(binding.get("usernameVariable")), credential.get("user"));
                added.put(String.valueOf(binding.get("passwordVariable")), credential.get("password"));
            } else {
                added.put(String.valueOf(binding.get("variable")), credential.get("file"));
            }
        }
        boundEnvironment.putAll(added);
        try {
            return helper().callClosure(body);
        } finally {
            added.keySet().forEach(boundEnvironment::remove);
        }
    }

    public Map<?, ?> binding(Map<?, ?> args) {
        return args;
    }

    public String readFile(String path) throws IOException {
        return Files.readString(workspace.resolve(path), StandardCharsets.UTF_8);
    }

    public boolean fileExists(String path) {
        return Files.exists(workspace.resolve(path));
    }

    public Map<?, ?> parameter(Map<?, ?> args) {
        return args;
    }

    public List<?> parameters(List<?> declared) {
        for (Object parameter : declared) {
            declaredParameters.add(String.valueOf(((Map<?, ?>) parameter).get("name")));
        }
        return declared;
    }

    public void properties(List<?> properties) {}

    public void checkout(Object scm) {
        checkouts++;
    }

    /** node(label): the body runs; the labels asked for are kept. */
    public Object node(String label, Closure<?> body) {
        nodeLabels.add(label);
        return helper().callClosure(body);
    }

    /** The Kubernetes plugin's podTemplate: the pod's YAML is kept, and POD_LABEL names it inside the body. */
    public Object podTemplate(Map<?, ?> args, Closure<?> body) {
        podTemplates.add(args);
        String label = "vmlift-pod-" + podTemplates.size();
        base.getBinding().setVariable("POD_LABEL", label);
        return helper().callClosure(body);
    }

    public Object container(String name, Closure<?> body) {
        containers.add(name);
        return helper().callClosure(body);
    }

    /**
     * parallel: every branch runs (here one after the other), and as Jenkins does without failFast, a branch's
     * failure fails the step once all branches ended. failFast: true is refused: the waves must not cut each other.
     */
    public void parallel(Map<?, ?> branches) {
        if (Boolean.TRUE.equals(branches.get("failFast"))) {
            throw new IllegalStateException("parallel with failFast: true");
        }
        RuntimeException first = null;
        for (Map.Entry<?, ?> branch : branches.entrySet()) {
            if (branch.getKey().equals("failFast")) {
                continue;
            }
            parallelBranches.add(String.valueOf(branch.getKey()));
            try {
                helper().callClosure((Closure<?>) branch.getValue());
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** stash and unstash: one workspace here, so nothing moves; the names must match, as on Jenkins. */
    public void stash(Map<?, ?> args) {
        stashes.add(String.valueOf(args.get("name")));
    }

    public void unstash(String name) {
        if (!stashes.contains(name)) {
            throw new PipelineFailed("No such saved stash '" + name + "'");
        }
    }

    public void junit(Map<?, ?> args) {
        junitCalls.add(args);
    }

    public void archive(Map<?, ?> args) {
        archived.add(args);
    }

    public Object input(Map<?, ?> args) {
        inputs.add(args);
        return null;
    }

    public void error(String message) {
        throw new PipelineFailed(message);
    }

    /** The `error` step: the build fails with this message. */
    static final class PipelineFailed extends RuntimeException {
        PipelineFailed(String message) {
            super(message);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
