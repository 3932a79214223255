package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * List results fit Tekton's termination message (4096 bytes for all of a step's results): a wave of hundreds of
 * VMs would not, and the Task would fail after its migration succeeded.
 */
class ResultsOptionsTest {
    @Test
    void aShortListIsWrittenWhole() throws Exception {
        assertThat(ResultsOptions.list(List.of("web-1", "db-1"), "ConfigMap wave/vmlift-plan-wave"))
                .isEqualTo("[\"web-1\",\"db-1\"]");
    }

    @Test
    void aLongListIsCutToItsBudgetAndSaysHowManyMoreAndWhere() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            names.add(String.format("app-server-%04d-prod", i));
        }
        String written = ResultsOptions.list(names, "ConfigMap wave/vmlift-plan-wave");
        assertThat(written.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(ResultsOptions.LIST_BUDGET);
        JsonNode array = Serialization.json().readTree(written);
        assertThat(array.isArray()).isTrue();
        int kept = array.size() - 1;
        assertThat(kept).isGreaterThan(50);
        for (int i = 0; i < kept; i++) {
            assertThat(array.get(i).asText()).isEqualTo(names.get(i));
        }
        assertThat(array.get(kept).asText()).isEqualTo("... and " + (300 - kept)
                + " more: see ConfigMap wave/vmlift-plan-wave");
    }
}
