package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** forklift.konveyor.io/v1beta1 NetworkMap: which target network each source network becomes. */
public record NetworkMap(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "NetworkMap";

    public record Spec(ProviderPair provider, List<Pair> map) {}

    public record Pair(SourceRef source, Destination destination) {}

    /** type is pod, multus or ignored; namespace/name name the NetworkAttachmentDefinition for multus. */
    public record Destination(String type, String namespace, String name) {
        public static final String POD = "pod";
        public static final String MULTUS = "multus";
        public static final String IGNORED = "ignored";
        public static final List<String> TYPES = List.of(POD, MULTUS, IGNORED);
    }

    public List<Pair> pairs() {
        return spec == null || spec.map() == null ? List.of() : spec.map();
    }
}
