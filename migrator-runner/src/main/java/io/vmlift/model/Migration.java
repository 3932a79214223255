package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * forklift.konveyor.io/v1beta1 Migration: runs a Plan (pkg/apis/forklift/v1beta1/migration.go). vmlift reads
 * which plan it names, and its cutover time for warm plans.
 */
public record Migration(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "Migration";

    /** cutover is an RFC 3339 time (metav1.Time); vmCutover sets it per VM id. */
    public record Spec(ObjectReference plan, List<SourceRef> cancel, String cutover, List<VmCutover> vmCutover,
            Boolean resumeConversion) {}

    public record VmCutover(String id, String cutover) {}

    public ObjectReference plan() {
        return spec == null ? null : spec.plan();
    }
}
