package io.vmlift.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.knative.pkg.apis.Condition;
import io.fabric8.knative.pkg.apis.ConditionBuilder;
import io.fabric8.tekton.client.TektonClient;
import io.fabric8.tekton.v1.ChildStatusReferenceBuilder;
import io.fabric8.tekton.v1.Pipeline;
import io.fabric8.tekton.v1.PipelineRun;
import io.fabric8.tekton.v1.PipelineRunStatus;
import io.fabric8.tekton.v1.PipelineTask;
import io.fabric8.tekton.v1.TaskRun;
import io.fabric8.tekton.v1.TaskRunBuilder;
import io.fabric8.tekton.v1.TaskRunResultBuilder;
import io.fabric8.tekton.v1.TaskRunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plays Tekton's controller on fabric8's mock server (with Tekton's CRDs created): for each new PipelineRun it
 * makes a TaskRun per Pipeline task (labelled tekton.dev/pipelineTask), runs them in order, and sets the
 * conditions Tekton sets, Succeeded True or False. Told to fail a task, it fails it with vmlift's error and
 * exit-code results and skips the rest.
 */
public final class FakeTekton implements AutoCloseable {
    private final KubernetesClient client;
    private final String namespace;
    private final Thread loop;
    private volatile String failTask;
    private volatile Map<String, String> failResults = Map.of();
    private volatile boolean running = true;

    public FakeTekton(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        for (String[] crd : new String[][] {{"Task", "tasks"}, {"Pipeline", "pipelines"},
            {"PipelineRun", "pipelineruns"}, {"TaskRun", "taskruns"}}) {
            client.apiextensions().v1().customResourceDefinitions()
                    .resource(FakeKubevirt.crd("tekton.dev", "v1", crd[0], crd[1])).create();
        }
        loop = new Thread(this::reconcileForever, "fake-tekton");
        loop.setDaemon(true);
        loop.start();
    }

    /** The named pipeline task fails with these results (e.g. error, exit-code); later tasks are skipped. */
    public void failTask(String task, Map<String, String> results) {
        failResults = Map.copyOf(results);
        failTask = task;
    }

    private void reconcileForever() {
        while (running) {
            try {
                var tekton = client.adapt(TektonClient.class).v1();
                for (PipelineRun run : tekton.pipelineRuns().inNamespace(namespace).list().getItems()) {
                    if (run.getStatus() == null || run.getStatus().getConditions() == null) {
                        step(run);
                    }
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the mock server is going away with the test
            }
        }
    }

    private void step(PipelineRun run) {
        var tekton = client.adapt(TektonClient.class).v1();
        Pipeline pipeline = tekton.pipelines().inNamespace(namespace).withName(run.getSpec().getPipelineRef().getName())
                .get();
        PipelineRunStatus status = new PipelineRunStatus();
        List<PipelineTask> tasks = new ArrayList<>();
        if (pipeline == null) {
            status.setConditions(List.of(condition("False", "CouldntGetPipeline", "pipeline not found")));
        } else {
            tasks.addAll(pipeline.getSpec().getTasks());
            boolean failed = false;
            for (PipelineTask task : tasks) {
                if (failed) {
                    break;
                }
                failed = task.getName().equals(failTask);
                String name = run.getMetadata().getName() + "-" + task.getName();
                TaskRun taskRun = tekton.taskRuns().inNamespace(namespace).resource(new TaskRunBuilder()
                        .withNewMetadata().withName(name).withNamespace(namespace)
                        .addToLabels("tekton.dev/pipelineTask", task.getName())
                        .addToLabels("tekton.dev/pipelineRun", run.getMetadata().getName()).endMetadata()
                        .withNewSpec().withNewTaskRef().withName(task.getTaskRef().getName()).endTaskRef().endSpec()
                        .build()).create();
                TaskRunStatus taskStatus = new TaskRunStatus();
                taskStatus.setConditions(List.of(failed ? condition("False", "Failed", "step exited with an error")
                        : condition("True", "Succeeded", "All Steps have completed executing")));
                if (failed) {
                    taskStatus.setResults(failResults.entrySet().stream().map(e -> new TaskRunResultBuilder()
                            .withName(e.getKey()).withNewValue(e.getValue()).withType("string").build()).toList());
                }
                taskRun.setStatus(taskStatus);
                tekton.taskRuns().inNamespace(namespace).resource(taskRun).updateStatus();
                status.getChildReferences().add(new ChildStatusReferenceBuilder().withApiVersion("tekton.dev/v1")
                        .withKind("TaskRun").withName(name).withPipelineTaskName(task.getName()).build());
            }
            status.setConditions(List.of(failed ? condition("False", "Failed", "Tasks Completed: 1 (Failed: 1)")
                    : condition("True", "Succeeded", "Tasks Completed: " + tasks.size())));
        }
        run.setStatus(status);
        tekton.pipelineRuns().inNamespace(namespace).resource(run).updateStatus();
    }

    private static Condition condition(String status, String reason, String message) {
        return new ConditionBuilder().withType("Succeeded").withStatus(status).withReason(reason)
                .withMessage(message).build();
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
    }
}
