package io.vmlift.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Tasks and a Pipeline the way Tekton would, without a cluster: declared params with their defaults (an
 * array param must get an array), $(params.x), $(params.x[*]) in args, $(workspaces.x.path|bound) and
 * $(results.x.path) substituted; each step's script run by sh with the step's env and args; Secret volumes
 * mounted (under a sandbox folder) as the kubelet mounts them, an optional missing one as an empty folder; the
 * built vmlift jar on PATH as `vmlift`, in place of the image. Pipelines run their tasks in order, pass results
 * on, skip the rest after a failure, and always run finally; when expressions, matrix fan-out (combinations at
 * once) and the controller's admission rules as cited below (tektoncd/pipeline, read at v1.15).
 */
final class LocalTektonRunner {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([^)]+)\\)");

    record TaskRun(int exitCode, String log, Map<String, String> results) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    record PipelineRun(Map<String, TaskRun> tasks, Map<String, String> results) {}

    private final Path work;
    private final Path bin;
    private final Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    /** Numbers the TaskRuns' folders; a matrix starts its TaskRuns from several threads at once. */
    private final AtomicInteger runs = new AtomicInteger();

    LocalTektonRunner(Path work, Path vmliftJar) throws IOException {
        this.work = work;
        this.bin = Files.createDirectories(work.resolve("bin"));
        Path wrapper = bin.resolve("vmlift");
        Files.writeString(wrapper, "#!/bin/sh\nexec java -jar '" + vmliftJar.toAbsolutePath() + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Set in every step, as a pod gets its service account: e.g. KUBECONFIG for a mock cluster. */
    LocalTektonRunner environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** A Secret that exists in the "cluster": Secret volumes naming it get its keys as files. */
    LocalTektonRunner secret(String name, Map<String, String> data) {
        secrets.put(name, Map.copyOf(data));
        return this;
    }

    /**
     * A PersistentVolumeClaim's folder; workspaces bound to folders inside it (subPaths) are bound to that one
     * claim. Any other folder stands for a claim of its own.
     */
    Path pvc(String claim) throws IOException {
        return Files.createDirectories(work.resolve("pvc").resolve(claim));
    }

    /** The claim a bound folder belongs to. */
    private String claimOf(Path bound) {
        Path pvcs = work.resolve("pvc").toAbsolutePath().normalize();
        Path path = bound.toAbsolutePath().normalize();
        return path.startsWith(pvcs) && path.getNameCount() > pvcs.getNameCount()
                ? path.getName(pvcs.getNameCount()).toString() : path.toString();
    }

    TaskRun runTask(JsonNode task, Map<String, JsonNode> params, Map<String, Path> workspaces) throws Exception {
        JsonNode spec = task.path("spec");
        // Tekton's default affinity assistant (coschedule: workspaces) refuses a TaskRun that binds more than one
        // PersistentVolumeClaim (tektoncd/pipeline pkg/workspace/validate.go, ValidateOnlyOnePVCIsUsed).
        java.util.Set<String> claims = new java.util.TreeSet<>();
        workspaces.values().forEach(path -> claims.add(claimOf(path)));
        if (claims.size() > 1) {
            throw new IllegalStateException("TaskRun " + task.path("metadata").path("name").asText() + " is refused:"
                    + " more than one PersistentVolumeClaim is bound (" + claims + ")");
        }
        // createDirectory: a TaskRun never shares its folder (its results) with another.
        Path run = Files.createDirectory(work.resolve("run-" + runs.incrementAndGet() + "-"
                + task.path("metadata").path("name").asText()));
        Path results = Files.createDirectories(run.resolve("results"));
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (JsonNode param : spec.path("params")) {
            String name = param.path("name").asText();
            JsonNode value = params.containsKey(name) ? params.get(name) : param.get("default");
            if (value == null) {
                throw new IllegalArgumentException("param " + name + " has no value and no default");
            }
            boolean array = "array".equals(param.path("type").asText("string"));
            if (array != value.isArray()) {
                throw new IllegalArgumentException("param " + name + " must be " + (array ? "an array" : "a string")
                        + ", got " + value);
            }
            values.put(name, value);
        }
        for (JsonNode workspace : spec.path("workspaces")) {
            String name = workspace.path("name").asText();
            if (!workspace.path("optional").asBoolean() && !workspaces.containsKey(name)) {
                throw new IllegalArgumentException("workspace " + name + " is not bound");
            }
        }
        Map<String, String> scalars = new LinkedHashMap<>();
        values.forEach((name, value) -> {
            if (!value.isArray()) {
                scalars.put("params." + name, value.asText());
            }
        });
        for (JsonNode workspace : spec.path("workspaces")) {
            String name = workspace.path("name").asText();
            Path bound = workspaces.get(name);
            scalars.put("workspaces." + name + ".path", bound == null ? "" : bound.toAbsolutePath().toString());
            scalars.put("workspaces." + name + ".bound", Boolean.toString(bound != null));
        }
        for (JsonNode result : spec.path("results")) {
            scalars.put("results." + result.path("name").asText() + ".path",
                    results.resolve(result.path("name").asText()).toString());
        }
        Map<String, Path> volumes = mountVolumes(spec, scalars, run);
        StringBuilder log = new StringBuilder();
        int exit = 0;
        for (JsonNode step : spec.path("steps")) {
            Path script = run.resolve(step.path("name").asText() + ".sh");
            Files.writeString(script, substitute(step.path("script").asText(), scalars));
            List<String> command = new ArrayList<>(List.of("sh", script.toString()));
            for (JsonNode arg : step.path("args")) {
                Matcher all = WHOLE_ARRAY.matcher(arg.asText());
                if (all.matches()) {
                    wholeArray(all.group(1), values, Map.of()).forEach(item -> command.add(item.asText()));
                } else {
                    command.add(substitute(arg.asText(), scalars));
                }
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(run.toFile());
            builder.environment().clear();
            builder.environment().put("PATH", bin + ":/usr/local/bin:/usr/bin:/bin");
            builder.environment().put("HOME", Files.createDirectories(run.resolve("home")).toString());
            builder.environment().putAll(environment);
            for (JsonNode env : step.path("env")) {
                builder.environment().put(env.path("name").asText(), sandboxed(substitute(env.path("value").asText(),
                        scalars), volumes));
            }
            Process process = builder.start();
            process.getOutputStream().close();
            log.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("step " + step.path("name").asText() + " did not finish");
            }
            exit = process.exitValue();
            if (exit != 0) {
                break;
            }
        }
        Map<String, String> written = new LinkedHashMap<>();
        for (JsonNode result : spec.path("results")) {
            Path file = results.resolve(result.path("name").asText());
            if (Files.exists(file)) {
                written.put(result.path("name").asText(), Files.readString(file));
            }
        }
        // A result declared as an array must be a JSON array of strings, else the TaskRun fails
        // (pod/status.go, filterResults, then reconciler/taskrun/validate_taskrun.go, validateTaskRunResults:
        // TaskRunValidationFailed).
        for (JsonNode result : spec.path("results")) {
            String value = written.get(result.path("name").asText());
            if ("array".equals(result.path("type").asText()) && value != null && !arrayOfStrings(value)) {
                return new TaskRun(1, log + "TaskRunValidationFailed: the task result " + result.path("name").asText()
                        + " should be \"array\" but was initialized to \"string\"\n", written);
            }
        }
        // Tekton carries a step's results in its termination message, at most 4096 bytes as JSON
        // (pkg/termination/write.go, MaxContainerTerminationMessageLength); more fails the TaskRun.
        List<Map<String, Object>> message = new ArrayList<>();
        written.forEach((key, value) -> message.add(Map.of("key", key, "value", value, "type", 1)));
        int size = Serialization.toCompactJson(message).getBytes(StandardCharsets.UTF_8).length;
        if (size > 4096) {
            return new TaskRun(1, log + "Termination message is above max allowed size 4096, caused by large task"
                    + " result (" + size + " bytes)\n", written);
        }
        return new TaskRun(exit, log.toString(), written);
    }

    private static boolean arrayOfStrings(String value) {
        try {
            JsonNode parsed = Serialization.json().readTree(value);
            if (parsed == null || !parsed.isArray()) {
                return false;
            }
            for (JsonNode item : parsed) {
                if (!item.isTextual()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Secret volumes, as the kubelet mounts them: a file per key; an optional missing Secret an empty folder. */
    private Map<String, Path> mountVolumes(JsonNode spec, Map<String, String> scalars, Path run) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (JsonNode step : spec.path("steps")) {
            for (JsonNode mount : step.path("volumeMounts")) {
                String mountPath = substitute(mount.path("mountPath").asText(), scalars);
                Path sandbox = run.resolve("mounts").resolve(mountPath.substring(1));
                Files.createDirectories(sandbox);
                for (JsonNode volume : spec.path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText()) && volume.has("secret")) {
                        String secretName = substitute(volume.path("secret").path("secretName").asText(), scalars);
                        Map<String, String> data = secrets.get(secretName);
                        if (data == null && !volume.path("secret").path("optional").asBoolean()) {
                            throw new IllegalStateException("Secret " + secretName + " not found: the pod would not start");
                        }
                        for (Map.Entry<String, String> key : (data == null ? Map.<String, String>of() : data).entrySet()) {
                            Files.writeString(sandbox.resolve(key.getKey()), key.getValue());
                        }
                    }
                }
                mounts.put(mountPath, sandbox);
            }
        }
        return mounts;
    }

    /** An env value naming a mounted path, a file in one, or a folder above one, points into the sandbox instead. */
    private static String sandboxed(String value, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            String path = mount.getKey();
            if (value.startsWith(path + "/")) {
                return mount.getValue().resolve(value.substring(path.length() + 1)).toString();
            }
            if (!value.isEmpty() && (path.equals(value) || path.startsWith(value.endsWith("/") ? value : value + "/"))) {
                Path sandbox = mount.getValue();
                for (int up = path.substring(value.length()).split("/", -1).length - 1; up > 0; up--) {
                    sandbox = sandbox.getParent();
                }
                return sandbox.toString();
            }
        }
        return value;
    }

    /** Tekton's own references are replaced (an unknown one is an error); $(...) of the shell stays. */
    private static String substitute(String text, Map<String, String> scalars) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = scalars.get(m.group(1));
            if (value == null && !m.group(1).matches("(params|workspaces|results|context|steps)\\..*")) {
                value = m.group(0);
            } else if (value == null) {
                throw new IllegalArgumentException("$(" + m.group(1) + ") cannot be resolved");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Runs a Pipeline whose Tasks are in tekton-tasks/task, with its params and workspaces: first the checks the
     * controller makes before it creates any TaskRun (see admit), then the tasks in order. A task whose when
     * expressions do not hold is skipped, and only it (Tekton scopes when expressions to the task); after a
     * failure the rest are skipped; finally tasks always run, except one that needs a result nobody wrote.
     */
    PipelineRun runPipeline(JsonNode pipeline, Map<String, JsonNode> params, Map<String, Path> workspaces)
            throws Exception {
        JsonNode spec = pipeline.path("spec");
        admit(pipeline, params, workspaces);
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (JsonNode param : spec.path("params")) {
            String name = param.path("name").asText();
            values.put(name, params.containsKey(name) ? params.get(name) : param.get("default"));
        }
        Map<String, TaskRun> runs = new LinkedHashMap<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        boolean failed = false;
        for (JsonNode task : spec.path("tasks")) {
            listed.add(task.path("name").asText());
            for (JsonNode before : task.path("runAfter")) {
                if (!listed.contains(before.asText())) {
                    throw new IllegalStateException(task.path("name").asText() + " runs after " + before.asText()
                            + ", which is listed later");
                }
            }
            // Skipped: what comes after a failure; a task whose when does not hold (scoped to the task: its
            // dependents still run, skipBecauseParentTaskWasSkipped); a task needing a result of a task that
            // did not run ("Results were missing").
            if (failed || resultsOfTasksThatDidNotRun(task, runs) || !whenHolds(task, values, runs)) {
                continue;
            }
            if (!resultsAvailable(task, runs)) {
                // A task that ran but did not write a result another consumes: that task fails validation and
                // the PipelineRun fails, finally still runs (pipelinerunresolution.go,
                // CheckMissingResultReferences, since v0.66).
                runs.put(task.path("name").asText(), new TaskRun(1, "Invalid task result reference: a result "
                        + task.path("name").asText() + " needs was not written\n", Map.of()));
                failed = true;
                continue;
            }
            TaskRun run = runPipelineTask(task, values, workspaces, runs);
            runs.put(task.path("name").asText(), run);
            failed = !run.succeeded();
        }
        for (JsonNode task : spec.path("finally")) {
            // A finally task that needs a result a task did not write is skipped, not failed
            // (pipelinerunresolution.go, IsFinallySkipped: "Results were missing").
            if (!resultsAvailable(task, runs) || !whenHolds(task, values, runs)) {
                continue;
            }
            runs.put(task.path("name").asText(), runPipelineTask(task, values, workspaces, runs));
        }
        Map<String, String> results = new LinkedHashMap<>();
        for (JsonNode result : spec.path("results")) {
            try {
                results.put(result.path("name").asText(), resolve(result.path("value").asText(), values, runs));
            } catch (IllegalArgumentException e) {
                // a result of a Task that did not run or did not write it: Tekton leaves it out too
            }
        }
        return new PipelineRun(runs, results);
    }

    /**
     * Matrix combinations Tekton creates at most (config-defaults, default-max-matrix-combinations-count;
     * matrix_types.go, validateCombinationsCount). Tekton counts literal arrays at admission; this runner counts
     * after substitution too, which is stricter.
     */
    static final int MAX_MATRIX_COMBINATIONS = 256;
    private static final Pattern WHOLE_ARRAY = Pattern.compile(
            "^\\$\\((params\\.[A-Za-z0-9_-]+|tasks\\.[a-z0-9-]+\\.results\\.[a-z0-9-]+)\\[\\*\\]\\)$");
    private static final Pattern RESULT_REFERENCE = Pattern.compile(
            "\\$\\(tasks\\.([a-z0-9-]+)\\.results\\.([a-z0-9-]+)(\\[\\*\\])?\\)");

    /**
     * What the controller refuses before it creates a TaskRun, so that the PipelineRun fails with nothing done:
     * a param without a default that the run does not give (ParameterMissing) or of the wrong type
     * (ParameterTypeMismatch; pkg/reconciler/pipelinerun/resources/validate_params.go,
     * ValidateRequiredParametersProvided and ValidateParamTypesMatching); a non-optional workspace
     * the run does not bind (resources/pipelinerunresolution.go, ValidateWorkspaceBindings:
     * InvalidWorkspaceBindings), or a PipelineTask naming a workspace the Pipeline does not declare
     * (apis/pipeline/v1/pipeline_validation.go, validatePipelineWorkspacesUsage); a result reference to a task or a result that does not exist
     * (resources/validate_dependencies.go, ValidatePipelineTaskResults: InvalidTaskResultReference); a matrix
     * param that is not a string param of its Task (reconciler/taskrun/validate_taskrun.go, wrongTypeParamsNames:
     * each combination gives a string).
     */
    private void admit(JsonNode pipeline, Map<String, JsonNode> params, Map<String, Path> workspaces) {
        JsonNode spec = pipeline.path("spec");
        String name = pipeline.path("metadata").path("name").asText();
        for (JsonNode param : spec.path("params")) {
            String param_ = param.path("name").asText();
            JsonNode given = params.get(param_);
            if (given == null && param.get("default") == null) {
                throw new IllegalStateException("PipelineRun of " + name + " is refused (ParameterMissing): param "
                        + param_ + " has no value and no default");
            }
            boolean array = "array".equals(param.path("type").asText("string"));
            if (given != null && given.isArray() != array) {
                throw new IllegalStateException("PipelineRun of " + name + " is refused (ParameterTypeMismatch): param "
                        + param_ + " must be " + (array ? "an array" : "a string"));
            }
        }
        java.util.Set<String> declaredWorkspaces = new java.util.HashSet<>();
        for (JsonNode workspace : spec.path("workspaces")) {
            declaredWorkspaces.add(workspace.path("name").asText());
            if (!workspace.path("optional").asBoolean() && !workspaces.containsKey(workspace.path("name").asText())) {
                throw new IllegalStateException("PipelineRun of " + name + " is refused: workspace "
                        + workspace.path("name").asText() + " is not bound");
            }
        }
        Map<String, JsonNode> taskSpecs = new LinkedHashMap<>();
        List<JsonNode> all = new ArrayList<>();
        spec.path("tasks").forEach(all::add);
        spec.path("finally").forEach(all::add);
        for (JsonNode task : all) {
            taskSpecs.put(task.path("name").asText(),
                    TektonFiles.read(TektonFiles.task(task.path("taskRef").path("name").asText())).path("spec"));
        }
        for (JsonNode task : all) {
            String taskName = task.path("name").asText();
            for (JsonNode workspace : task.path("workspaces")) {
                if (!declaredWorkspaces.contains(workspace.path("workspace").asText())) {
                    throw new IllegalStateException("Pipeline " + name + " is invalid: " + taskName + " uses workspace "
                            + workspace.path("workspace").asText() + ", which the Pipeline does not declare");
                }
            }
            for (JsonNode matrixParam : task.path("matrix").path("params")) {
                JsonNode declared = null;
                for (JsonNode param : taskSpecs.get(taskName).path("params")) {
                    if (param.path("name").asText().equals(matrixParam.path("name").asText())) {
                        declared = param;
                    }
                }
                if (declared == null || "array".equals(declared.path("type").asText("string"))) {
                    throw new IllegalStateException("Pipeline " + name + " is invalid: matrix param "
                            + matrixParam.path("name").asText() + " of " + taskName + " must be a string param of its Task");
                }
            }
        }
        // $(tasks.t.status) and $(tasks.status) only in finally (pipeline_validation.go,
        // validateExecutionStatusVariables).
        if (Pattern.compile("\\$\\(tasks\\.([a-z0-9-]+\\.)?status\\)").matcher(spec.path("tasks").toString()).find()) {
            throw new IllegalStateException("Pipeline " + name + " is invalid: pipeline tasks can not refer to the"
                    + " execution status of a task; only finally tasks can");
        }
        Matcher references = RESULT_REFERENCE.matcher(spec.toString());
        while (references.find()) {
            JsonNode producer = taskSpecs.get(references.group(1));
            JsonNode result = null;
            for (JsonNode declared : producer == null ? Serialization.json().createArrayNode() : producer.path("results")) {
                if (declared.path("name").asText().equals(references.group(2))) {
                    result = declared;
                }
            }
            if (result == null) {
                throw new IllegalStateException("Pipeline " + name + " is invalid: " + references.group()
                        + " names a task or result that does not exist");
            }
            if (references.group(3) != null && !"array".equals(result.path("type").asText("string"))) {
                throw new IllegalStateException("Pipeline " + name + " is invalid: " + references.group()
                        + " takes the whole of a result that is not an array");
            }
        }
    }

    /** Every when expression holds: its input, substituted, is (in) or is not (notin) among the values. */
    private static boolean whenHolds(JsonNode task, Map<String, JsonNode> values, Map<String, TaskRun> runs) {
        for (JsonNode when : task.path("when")) {
            String input = resolve(when.path("input").asText(), values, runs);
            List<String> among = new ArrayList<>();
            when.path("values").forEach(v -> among.add(resolve(v.asText(), values, runs)));
            String operator = when.path("operator").asText();
            if (!operator.equals("in") && !operator.equals("notin")) {
                throw new IllegalStateException("when operator " + operator + " is neither in nor notin");
            }
            if (among.contains(input) != operator.equals("in")) {
                return false;
            }
        }
        return true;
    }

    /** True when the task names a result of a task that has not run (skipped, or not reached). */
    private static boolean resultsOfTasksThatDidNotRun(JsonNode task, Map<String, TaskRun> runs) {
        Matcher references = RESULT_REFERENCE.matcher(task.toString());
        while (references.find()) {
            if (!runs.containsKey(references.group(1))) {
                return true;
            }
        }
        return false;
    }

    /** True when every task result the task names was written. */
    private static boolean resultsAvailable(JsonNode task, Map<String, TaskRun> runs) {
        Matcher references = RESULT_REFERENCE.matcher(task.toString());
        while (references.find()) {
            TaskRun run = runs.get(references.group(1));
            if (run == null || !run.results().containsKey(references.group(2))) {
                return false;
            }
        }
        return true;
    }

    /**
     * One PipelineTask: a TaskRun, or with a matrix one TaskRun per combination of the matrix params, all at
     * once as Tekton starts them; a matrix with no combinations (an empty array) is skipped. The combined run
     * failed when any combination failed, and each string result becomes the array of the combinations' values
     * (Tekton's aggregated results of a matrixed task).
     */
    private TaskRun runPipelineTask(JsonNode task, Map<String, JsonNode> values, Map<String, Path> workspaces,
            Map<String, TaskRun> runs) throws Exception {
        JsonNode definition = TektonFiles.read(TektonFiles.task(task.path("taskRef").path("name").asText()));
        Map<String, JsonNode> params = new LinkedHashMap<>();
        for (JsonNode param : task.path("params")) {
            params.put(param.path("name").asText(), paramValue(param.path("value"), values, runs));
        }
        Map<String, Path> bound = new LinkedHashMap<>();
        for (JsonNode workspace : task.path("workspaces")) {
            Path path = workspaces.get(workspace.path("workspace").asText());
            if (path != null) {
                bound.put(workspace.path("name").asText(), path);
            }
        }
        if (!task.has("matrix")) {
            return runTask(definition, params, bound);
        }
        List<Map<String, JsonNode>> combinations = new ArrayList<>(List.of(params));
        for (JsonNode matrixParam : task.path("matrix").path("params")) {
            JsonNode items = paramValue(matrixParam.path("value"), values, runs);
            if (!items.isArray()) {
                // resources/validate_params.go, ValidateParameterTypesInMatrix: InvalidMatrixParameterTypes.
                throw new IllegalStateException("PipelineRun fails (InvalidMatrixParameterTypes): matrix param "
                        + matrixParam.path("name").asText() + " of " + task.path("name").asText() + " is not an array");
            }
            List<Map<String, JsonNode>> next = new ArrayList<>();
            for (Map<String, JsonNode> combination : combinations) {
                for (JsonNode item : items) {
                    Map<String, JsonNode> more = new LinkedHashMap<>(combination);
                    more.put(matrixParam.path("name").asText(), TextNode.valueOf(item.asText()));
                    next.add(more);
                }
            }
            combinations = next;
        }
        if (combinations.size() > MAX_MATRIX_COMBINATIONS) {
            throw new IllegalStateException(task.path("name").asText() + ": " + combinations.size() + " matrix"
                    + " combinations, more than Tekton's default-max-matrix-combinations-count " + MAX_MATRIX_COMBINATIONS);
        }
        if (combinations.isEmpty()) {
            return new TaskRun(0, "(no matrix combinations: skipped)\n", Map.of());
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                combinations.size());
        try {
            List<java.util.concurrent.Future<TaskRun>> started = new ArrayList<>();
            for (Map<String, JsonNode> combination : combinations) {
                started.add(pool.submit(() -> runTask(definition, combination, bound)));
            }
            int exit = 0;
            StringBuilder log = new StringBuilder();
            Map<String, List<String>> aggregated = new LinkedHashMap<>();
            for (int i = 0; i < started.size(); i++) {
                TaskRun run = started.get(i).get();
                exit = exit != 0 ? exit : run.exitCode();
                log.append("--- ").append(task.path("name").asText()).append('[').append(i).append("] ")
                        .append(combinations.get(i).values().stream().filter(v -> !v.isArray()).map(JsonNode::asText)
                                .toList()).append('\n').append(run.log());
                run.results().forEach((key, value) -> aggregated.computeIfAbsent(key, k -> new ArrayList<>()).add(value));
            }
            Map<String, String> results = new LinkedHashMap<>();
            aggregated.forEach((key, list) -> results.put(key, Serialization.toCompactJson(list)));
            return new TaskRun(exit, log.toString(), results);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A PipelineTask param's value: a string with references, or an array whose items may take whole arrays. */
    private static JsonNode paramValue(JsonNode value, Map<String, JsonNode> values, Map<String, TaskRun> runs) {
        if (!value.isArray()) {
            Matcher whole = WHOLE_ARRAY.matcher(value.asText());
            return whole.matches() ? wholeArray(whole.group(1), values, runs)
                    : TextNode.valueOf(resolve(value.asText(), values, runs));
        }
        ArrayNode items = Serialization.json().createArrayNode();
        for (JsonNode item : value) {
            Matcher whole = WHOLE_ARRAY.matcher(item.asText());
            if (whole.matches()) {
                wholeArray(whole.group(1), values, runs).forEach(items::add);
            } else {
                items.add(resolve(item.asText(), values, runs));
            }
        }
        return items;
    }

    /** $(params.x[*]) or $(tasks.t.results.r[*]): the array itself. */
    private static JsonNode wholeArray(String reference, Map<String, JsonNode> values, Map<String, TaskRun> runs) {
        String[] parts = reference.split("\\.");
        if (parts[0].equals("params")) {
            return values.get(parts[1]);
        }
        TaskRun run = runs.get(parts[1]);
        if (run == null || !run.results().containsKey(parts[3])) {
            throw new IllegalArgumentException("$(" + reference + "[*]) cannot be resolved");
        }
        try {
            return Serialization.json().readTree(run.results().get(parts[3]));
        } catch (IOException e) {
            throw new IllegalArgumentException("$(" + reference + "[*]) is not an array");
        }
    }

    private static String resolve(String text, Map<String, JsonNode> values, Map<String, TaskRun> runs) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String[] parts = m.group(1).split("\\.");
            String value;
            if (parts[0].equals("params") && values.containsKey(parts[1])) {
                value = values.get(parts[1]).asText();
            } else if (parts[0].equals("tasks") && parts.length == 3 && parts[2].equals("status")) {
                TaskRun run = runs.get(parts[1]);
                value = run == null ? "None" : run.succeeded() ? "Succeeded" : "Failed";
            } else if (parts[0].equals("tasks") && parts.length == 4 && parts[2].equals("results")
                    && runs.containsKey(parts[1]) && runs.get(parts[1]).results().containsKey(parts[3])) {
                value = runs.get(parts[1]).results().get(parts[3]);
            } else {
                throw new IllegalArgumentException("$(" + m.group(1) + ") cannot be resolved");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
