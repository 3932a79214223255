package io.vmlift.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.Backoff;
import io.vmlift.spi.PowerState;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.Phase;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.destination.kubevirt.ClusterKinds;
import io.vmlift.destination.kubevirt.ClusterTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The test stage on a cluster: each VM finished, exists, its DataVolumes Succeeded, its instance reached
 * Running with Ready=True within the timeout (for VMs that should run), and its interfaces carry the source MACs.
 */
public final class ClusterVerifier {
    private final ResolvedPlan plan;
    private final KubernetesClient client;
    private final MigrationState state;
    private final Duration readyTimeout;
    /** How far apart the instance is read while waiting for it: soon at first, then every pollInterval at most. */
    private final Backoff polls;

    public ClusterVerifier(ResolvedPlan plan, KubernetesClient client, MigrationState state, Duration readyTimeout,
            Duration pollInterval) {
        this.plan = plan;
        this.client = client;
        this.state = state;
        this.readyTimeout = readyTimeout;
        this.polls = Backoff.polling(pollInterval);
    }

    public TestReport verify() {
        TestReport report = TestReport.of(plan.name());
        String namespace = plan.targetNamespace();
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            List<TestReport.Check> checks = new ArrayList<>();
            MigrationState.VmState vmState = state == null ? null : state.vm(vm.source().id());
            checks.add(TestReport.Check.run("migration completed", () -> vmState == null
                    ? "the VM was never migrated into this cluster"
                    : vmState.phase == Phase.Completed ? null : "the VM is in phase " + vmState.phase));
            checks.add(TestReport.Check.run("VirtualMachine exists", () -> get(ClusterKinds.VIRTUAL_MACHINE,
                    vm.name()) != null ? null : "VirtualMachine " + namespace + "/" + vm.name() + " is missing"));
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                checks.add(TestReport.Check.run("disk " + disk.index() + " DataVolume Succeeded", () -> {
                    JsonNode dataVolume = tree(get(ClusterKinds.DATA_VOLUME, disk.dataVolumeName()));
                    if (dataVolume == null) {
                        return "DataVolume " + namespace + "/" + disk.dataVolumeName() + " is missing";
                    }
                    String phase = dataVolume.at("/status/phase").asText("none");
                    return "Succeeded".equals(phase) ? null : "DataVolume " + disk.dataVolumeName() + " is " + phase;
                }));
            }
            JsonNode[] instance = new JsonNode[1];
            if (vm.powerState() == PowerState.ON) {
                checks.add(TestReport.Check.run("VirtualMachineInstance Running and Ready", () -> {
                    Instant deadline = Instant.now().plus(readyTimeout);
                    for (int read = 1; ; read++) {
                        instance[0] = tree(get(ClusterKinds.VIRTUAL_MACHINE_INSTANCE, vm.name()));
                        String phase = instance[0] == null ? "missing" : instance[0].at("/status/phase").asText("none");
                        if ("Running".equals(phase) && ClusterTarget.ready(instance[0].path("status"))) {
                            return null;
                        }
                        if (Instant.now().isAfter(deadline)) {
                            return "not Running and Ready within " + readyTimeout.toSeconds() + " s (phase " + phase + ")";
                        }
                        try {
                            Thread.sleep(polls.delay(read).toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return "interrupted while waiting for the instance";
                        }
                    }
                }));
            }
            checks.add(TestReport.Check.run("interfaces keep the source MACs", () -> {
                Set<String> macs = new HashSet<>();
                JsonNode reported = instance[0] == null ? null : instance[0].at("/status/interfaces");
                if (reported != null && reported.size() > 0) {
                    reported.forEach(i -> macs.add(i.path("mac").asText()));
                } else if (vm.powerState() == PowerState.ON) {
                    // A running VM is judged by what its instance reports, not by what was asked for.
                    return "the VirtualMachineInstance reports no interfaces";
                } else {
                    JsonNode defined = tree(get(ClusterKinds.VIRTUAL_MACHINE, vm.name()));
                    if (defined == null) {
                        return "no VirtualMachine to check";
                    }
                    defined.at("/spec/template/spec/domain/devices/interfaces")
                            .forEach(i -> macs.add(i.path("macAddress").asText()));
                }
                for (ResolvedPlan.TargetNic nic : vm.nics()) {
                    if (nic.source().mac() != null && !nic.ignored() && nic.destination() != null
                            && !macs.contains(nic.source().mac())) {
                        return "MAC " + nic.source().mac() + " of NIC " + nic.source().name() + " is missing";
                    }
                }
                return null;
            }));
            report.vms().add(new TestReport.VmResult(vm.name(), checks));
        }
        return report;
    }

    private GenericKubernetesResource get(ResourceDefinitionContext kind, String name) {
        return client.genericKubernetesResources(kind).inNamespace(plan.targetNamespace()).withName(name)
                .get();
    }

    private static JsonNode tree(GenericKubernetesResource resource) {
        return resource == null ? null : Serialization.json().valueToTree(resource);
    }
}
