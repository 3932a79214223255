package io.vmlift.destination;

import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A target on which CDI moves disks itself, from inside the cluster: transfers that read the source directly
 * (Forklift's VDDK and imageio), and warm migration's multi-stage imports. A folder of manifests has none: CDI
 * performs such transfers once the manifests are applied.
 */
public interface InClusterTransfers {
    /** Creates or updates the Secret that transfers CDI performs itself name in their secretRef. */
    void putTransferSecret(ResolvedPlan plan, String name, Map<String, String> data) throws IOException;

    /** Creates or updates the ConfigMap with the source's CA that such transfers name in certConfigMap. */
    void putTransferConfigMap(ResolvedPlan plan, String name, Map<String, String> data) throws IOException;

    /**
     * Waits while CDI copies a disk inside the cluster (a transfer vmlift does not perform itself), reporting
     * progress in percent; returns when the DataVolume has succeeded, or, in a warm migration, has paused after
     * copying its newest checkpoint.
     */
    void awaitTransfer(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            IntConsumer percent) throws IOException;

    /**
     * Warm migration: gives CDI the next checkpoints of the multi-stage import (all of them, oldest first);
     * final when the source is off and the last snapshot holds its final state.
     */
    void setCheckpoints(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints, boolean last)
            throws IOException;
}
