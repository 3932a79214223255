package io.vmlift.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Forklift documents for a vSphere source (the simulator), written where a test wants them. */
public final class VsphereDocuments {
    private final Vcsim vcsim;
    private final Map<String, String> secret = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private String url;
    private String migrationType = "cold";

    private VsphereDocuments(Vcsim vcsim) {
        this.vcsim = vcsim;
        this.url = vcsim.sdk().toString();
        secret.put("user", vcsim.user());
        secret.put("password", vcsim.password());
    }

    /** user, password and the simulator's thumbprint: the default way to trust a vCenter. */
    public static VsphereDocuments forSimulator(Vcsim vcsim) {
        VsphereDocuments documents = new VsphereDocuments(vcsim);
        documents.secret.put("thumbprint", vcsim.thumbprint());
        return documents;
    }

    public VsphereDocuments secret(String key, String value) {
        if (value == null) {
            secret.remove(key);
        } else {
            secret.put(key, value);
        }
        return this;
    }

    /** A Provider setting, e.g. vddkInitImage. */
    public VsphereDocuments setting(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** The Plan's spec.type: cold (the default) or warm. */
    public VsphereDocuments migrationType(String value) {
        migrationType = value;
        return this;
    }

    public VsphereDocuments url(String value) {
        url = value;
        return this;
    }

    /** Writes providers.yaml (the vSphere Provider, its Secret, the host provider) into folder. */
    public Path writeProviders(Path folder) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata:
                  name: vcenter
                  namespace: vmlift
                spec:
                  type: vsphere
                  url: %s
                  secret:
                    name: vcenter-credentials
                    namespace: vmlift
                %s---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata:
                  name: host
                  namespace: vmlift
                spec:
                  type: openshift
                  url: ""
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: vcenter-credentials
                  namespace: vmlift
                stringData:
                """.formatted(url, settingsYaml()));
        secret.forEach((key, value) -> yaml.append("  ").append(key).append(": |-\n")
                .append(value.indent(4).stripTrailing()).append('\n'));
        Files.createDirectories(folder);
        Path file = folder.resolve("providers.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private String settingsYaml() {
        StringBuilder yaml = new StringBuilder();
        if (!settings.isEmpty()) {
            yaml.append("  settings:\n");
            settings.forEach((key, value) -> yaml.append("    ").append(key).append(": \"").append(value).append("\"\n"));
        }
        return yaml.toString();
    }

    /** Writes maps.yaml (vcsim's networks to the pod network, LocalDS_0 to class standard) and plan.yaml. */
    public Path writePlan(Path folder, String planName, String... vmNames) throws IOException {
        Files.writeString(folder.resolve("maps.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: NetworkMap
                metadata: {name: vcenter-networks, namespace: vmlift}
                spec:
                  provider:
                    source: {name: vcenter, namespace: vmlift}
                    destination: {name: host, namespace: vmlift}
                  map:
                    - source: {name: DC0_DVPG0}
                      destination: {type: pod}
                    - source: {name: VM Network}
                      destination: {type: multus, namespace: migrated, name: vm-network}
                ---
                apiVersion: forklift.konveyor.io/v1beta1
                kind: StorageMap
                metadata: {name: vcenter-storage, namespace: vmlift}
                spec:
                  provider:
                    source: {name: vcenter, namespace: vmlift}
                    destination: {name: host, namespace: vmlift}
                  map:
                    - source: {name: LocalDS_0}
                      destination: {storageClass: standard, volumeMode: Filesystem, accessMode: ReadWriteOnce}
                """);
        StringBuilder plan = new StringBuilder("""
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Plan
                metadata: {name: %s, namespace: vmlift}
                spec:
                  targetNamespace: migrated
                  type: %s
                  provider:
                    source: {name: vcenter, namespace: vmlift}
                    destination: {name: host, namespace: vmlift}
                  map:
                    network: {name: vcenter-networks, namespace: vmlift}
                    storage: {name: vcenter-storage, namespace: vmlift}
                  vms:
                """.formatted(planName, migrationType));
        for (String name : vmNames) {
            plan.append("    - name: ").append(name).append('\n');
        }
        Path file = folder.resolve("plan.yaml");
        Files.writeString(file, plan);
        return file;
    }
}
