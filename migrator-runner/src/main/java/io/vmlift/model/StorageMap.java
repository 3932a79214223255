package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** forklift.konveyor.io/v1beta1 StorageMap: which storage class each source datastore becomes. */
public record StorageMap(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "StorageMap";

    public record Spec(ProviderPair provider, List<Pair> map) {}

    public record Pair(SourceRef source, Destination destination, JsonNode offloadPlugin) {}

    /** An empty storageClass means the cluster's default class. */
    public record Destination(String storageClass, String volumeMode, String accessMode) {
        public static final List<String> VOLUME_MODES = List.of("Filesystem", "Block");
        public static final List<String> ACCESS_MODES =
                List.of("ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod");
    }

    public List<Pair> pairs() {
        return spec == null || spec.map() == null ? List.of() : spec.map();
    }
}
