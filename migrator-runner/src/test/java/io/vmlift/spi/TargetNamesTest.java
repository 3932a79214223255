package io.vmlift.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TargetNamesTest {
    @Test
    void sourceNamesBecomeDns1123Labels() {
        assertThat(TargetNames.normalize("Example VM_01.prod")).isEqualTo("example-vm-01-prod");
        assertThat(TargetNames.normalize("--Ünïcode--")).isEqualTo("n-code");
        assertThat(TargetNames.normalize("***")).isEqualTo("vm");
        String longName = "A".repeat(80);
        assertThat(TargetNames.normalize(longName)).hasSize(63);
        assertThat(TargetNames.isValid(TargetNames.normalize(longName))).isTrue();
    }

    @Test
    void longNamesThatShareAPrefixKeepDistinctSuffixedNames() {
        String first = "finance-reporting-warehouse-postgresql-primary-replica-node-01";
        String second = "finance-reporting-warehouse-postgresql-primary-replica-node-02";
        String a = TargetNames.withSuffix(first, "disk-0");
        String b = TargetNames.withSuffix(second, "disk-0");
        assertThat(a).isNotEqualTo(b).endsWith("-disk-0");
        assertThat(a.length()).isLessThanOrEqualTo(63);
        assertThat(TargetNames.isValid(a)).isTrue();
        assertThat(TargetNames.isValid(b)).isTrue();
        assertThat(TargetNames.withSuffix("web", "disk-1")).isEqualTo("web-disk-1");
    }
}
