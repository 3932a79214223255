package io.vmlift.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Documents for one VM of an OVA share, made as a user makes them: the Providers, then `vmlift map` and `vmlift
 * plan --plan-file` for the VM (plan "wave"). Fails the test with the command's output when one fails.
 */
public final class OvaShare {
    private OvaShare() {}

    /**
     * @param share the folder of packages the OVA Provider names
     * @param storageClass the map's storage class, or null for the cluster's default
     * @return the documents folder (dir/docs)
     */
    public static Path plan(Path dir, Path share, String vm, String namespace, String storageClass) throws Exception {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("providers.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: share}
                spec: {type: ova, url: %s}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: host}
                spec: {type: openshift}
                """.formatted(share));
        Cli.Run map = storageClass == null
                ? Cli.run("map", "-f", docs.resolve("providers.yaml"), "--target-namespace", namespace,
                        "--output-file", docs.resolve("maps.yaml"))
                : Cli.run("map", "-f", docs.resolve("providers.yaml"), "--target-namespace", namespace,
                        "--storage-class", storageClass, "--output-file", docs.resolve("maps.yaml"));
        if (map.exitCode() != 0) {
            throw new AssertionError(map.toString());
        }
        Cli.Run plan = Cli.run("plan", "-f", docs, "--vm", vm, "--name", "wave", "--target-namespace", namespace,
                "--plan-file", docs.resolve("plan.yaml"));
        if (plan.exitCode() != 0) {
            throw new AssertionError(plan.toString());
        }
        return docs;
    }

    /** A share holding a copy of one OVA. */
    public static Path of(Path dir, Path ova) throws java.io.IOException {
        Path share = Files.createDirectories(dir.resolve("share"));
        Files.copy(ova, share.resolve(ova.getFileName()));
        return share;
    }
}
