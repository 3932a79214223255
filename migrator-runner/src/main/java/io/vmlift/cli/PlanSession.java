package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.Plan;
import io.vmlift.model.Provider;
import io.vmlift.spi.Concern;
import io.vmlift.plan.PlanResolver;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.destination.kubevirt.ClusterChecks;
import java.io.IOException;
import java.io.PrintWriter;

/** A Plan from the documents, its source connected, resolved against the source's inventory. */
final class PlanSession implements AutoCloseable {
    final SourceSession session;
    ResolvedPlan plan;

    private PlanSession(SourceSession session, ResolvedPlan plan) {
        this.session = session;
        this.plan = plan;
    }

    static PlanSession open(DocumentSet documents, String planName) throws IOException {
        return open(documents, planName, false);
    }

    /** @param ignoreChanges VMs changed since the plan recorded them are a Warning, not Critical */
    static PlanSession open(DocumentSet documents, String planName, boolean ignoreChanges) throws IOException {
        Located<Plan> plan = documents.plan(planName);
        Located<Provider> provider = documents.find(Provider.class, plan.document().spec().provider().source())
                .orElseThrow();
        SourceSession session = SourceSession.open(documents, provider);
        try {
            return new PlanSession(session, PlanResolver.resolve(documents, plan, session.source, ignoreChanges));
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Connects to the plan's destination Provider (its cluster: the kubeconfig's, or a remote one). */
    KubernetesClient connectDestination(ClusterOptions cluster) {
        Located<Provider> destination = session.documents.find(Provider.class,
                plan.document().spec().provider().destination()).orElseThrow();
        return cluster.connect(destination, session.documents.credentials(destination));
    }

    /** Adds the checks only the destination cluster can answer (namespace, NADs, storage classes, VMs, MACs). */
    void checkCluster(KubernetesClient client) {
        plan = plan.withConcerns(ClusterChecks.check(client, plan));
    }

    /**
     * Stops after listing the Critical concerns when the plan may not run: exit 2 when the Plan names VMs
     * wrongly, else 3.
     */
    void requireNotBlocked(PrintWriter err) {
        if (!plan.blocked()) {
            return;
        }
        long critical = plan.concerns().stream().filter(Concern::blocks).count();
        for (Concern concern : plan.concerns()) {
            if (concern.blocks()) {
                err.println("  " + concern.oneLine());
            }
        }
        err.flush();
        throw new VmliftException(plan.blockedExitCode(), "plan '" + plan.name() + "' (" + plan.plan().where() + ") has "
                + critical + " Critical concern(s), listed above; fix them and run again");
    }

    @Override
    public void close() throws IOException {
        session.close();
    }
}
