package io.vmlift.destination.kubevirt;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vmlift.spi.Concern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the destination must offer before a migration starts: the KubeVirt, CDI and CDI upload APIs, and every
 * verb vmlift uses in the target namespace (asked with SelfSubjectAccessReview), so that a missing permission
 * shows up now, not halfway through.
 */
public final class ClusterAccess {
    /** An API vmlift needs, with what provides it. */
    record Api(ResourceDefinitionContext kind, String providedBy) {}

    /** A verb on a resource that vmlift uses in the target namespace. */
    record Permission(String group, String resource, String verb) {
        static Permission on(ResourceDefinitionContext kind, String verb) {
            return new Permission(kind.getGroup(), kind.getPlural(), verb);
        }

        String describe() {
            return verb + " " + resource + (group.isEmpty() ? "" : "." + group);
        }
    }

    static final List<Api> APIS = List.of(
            new Api(ClusterKinds.VIRTUAL_MACHINE, "KubeVirt"),
            new Api(ClusterKinds.VIRTUAL_MACHINE_INSTANCE, "KubeVirt"),
            new Api(ClusterKinds.DATA_VOLUME, "CDI"),
            new Api(ClusterKinds.UPLOAD_TOKEN_REQUEST, "CDI's upload API"));

    static final List<Permission> PERMISSIONS = List.of(
            Permission.on(ClusterKinds.DATA_VOLUME, "create"),
            Permission.on(ClusterKinds.DATA_VOLUME, "get"),
            Permission.on(ClusterKinds.DATA_VOLUME, "delete"),
            Permission.on(ClusterKinds.DATA_VOLUME, "patch"),
            Permission.on(ClusterKinds.UPLOAD_TOKEN_REQUEST, "create"),
            Permission.on(ClusterKinds.VIRTUAL_MACHINE, "create"),
            Permission.on(ClusterKinds.VIRTUAL_MACHINE, "get"),
            Permission.on(ClusterKinds.VIRTUAL_MACHINE, "patch"),
            Permission.on(ClusterKinds.VIRTUAL_MACHINE, "delete"),
            Permission.on(ClusterKinds.VIRTUAL_MACHINE_INSTANCE, "get"),
            new Permission("", "configmaps", "get"),
            new Permission("", "configmaps", "create"),
            new Permission("", "configmaps", "update"));

    /**
     * Also needed when CDI copies from the source itself: the Secret with the source login it reads, and the
     * PVCs, where CDI marks the checkpoints of a warm import it has copied.
     */
    static final List<Permission> TRANSFER_SECRET_PERMISSIONS = List.of(
            new Permission("", "secrets", "get"),
            new Permission("", "secrets", "create"),
            new Permission("", "secrets", "update"),
            new Permission("", "persistentvolumeclaims", "get"));

    /** Also needed when the plan converts guests: the conversion pod on the DataVolumes' PVCs. */
    static final List<Permission> CONVERSION_PERMISSIONS = List.of(
            new Permission("", "pods", "create"),
            new Permission("", "pods", "get"),
            new Permission("", "pods", "delete"));

    /** Reviews asked at a time: enough to overlap their round trips, few enough to crowd no API server. */
    private static final int REVIEWS_AT_ONCE = 8;

    private ClusterAccess() {}

    /** @param transferSecrets whether vmlift will write a Secret for CDI (VDDK or imageio transfers) */
    public static List<Concern> check(KubernetesClient client, String namespace, boolean transferSecrets) {
        return check(client, new ClusterKinds.Served(client), namespace, transferSecrets, false);
    }

    /**
     * @param served what the cluster serves, asked once per group-version for all of a plan's checks
     * @param conversionPods whether vmlift will run guest conversion pods
     */
    public static List<Concern> check(KubernetesClient client, ClusterKinds.Served served, String namespace,
            boolean transferSecrets, boolean conversionPods) {
        List<Permission> permissions = new ArrayList<>(PERMISSIONS);
        if (transferSecrets) {
            permissions.addAll(TRANSFER_SECRET_PERMISSIONS);
        }
        if (conversionPods) {
            permissions.addAll(CONVERSION_PERMISSIONS);
        }
        List<Concern> concerns = new ArrayList<>();
        for (Api api : APIS) {
            if (!served.includes(api.kind())) {
                concerns.add(Concern.critical("ApiNotServed", null, ClusterKinds.apiVersion(api.kind()) + " "
                        + api.kind().getKind() + " is not served by the cluster", "install " + api.providedBy()));
            }
        }
        // One review per verb, REVIEWS_AT_ONCE at a time: in sequence they were a round trip each, before every
        // migration.
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(permissions.size(), REVIEWS_AT_ONCE), task -> {
            Thread thread = new Thread(task, "vmlift-access-review");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Concern>> answers = new ArrayList<>();
            for (Permission permission : permissions) {
                answers.add(pool.submit(() -> review(client, namespace, permission)));
            }
            for (Future<Concern> answer : answers) {
                Concern concern = answer.get();
                if (concern != null) {
                    concerns.add(concern);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            concerns.add(Concern.warning("PermissionUnknown", null, "The permission checks were interrupted",
                    "run the checks again"));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return concerns;
    }

    /** Null when the cluster says vmlift may; else why not, or that it would not say. */
    private static Concern review(KubernetesClient client, String namespace, Permission permission) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec()
                .withNewResourceAttributes().withGroup(permission.group()).withResource(permission.resource())
                .withVerb(permission.verb()).withNamespace(namespace).endResourceAttributes().endSpec().build();
        try {
            SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
            if (answer.getStatus() == null) {
                return Concern.warning("PermissionUnknown", null, "The cluster did not say whether vmlift may "
                        + permission.describe() + " in " + namespace, "check the RBAC by hand");
            }
            if (!Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                return Concern.critical("PermissionDenied", null, "vmlift may not " + permission.describe()
                        + " in namespace " + namespace, "grant it to the identity vmlift runs as, and run again");
            }
            return null;
        } catch (KubernetesClientException e) {
            return Concern.warning("PermissionUnknown", null, "Cannot ask whether vmlift may "
                    + permission.describe() + " (" + e.getCode() + ")", "check the RBAC by hand");
        }
    }
}
