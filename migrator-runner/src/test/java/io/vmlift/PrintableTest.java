package io.vmlift;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlCharactersAreShownNotExecuted() {
        assertThat(Printable.clean("a\u001b[31mred\u0007\r\nnext\tcol\u0085\u202e"))
                .isEqualTo("a\\x1b[31mred\\x07\\r\nnext\tcol\\x85\\u202e");
        assertThat(Printable.oneLine("first\nsecond")).isEqualTo("first\\nsecond");
        assertThat(Printable.clean("plain text stays")).isEqualTo("plain text stays");
    }

    @Test
    void registeredSecretsAreMaskedInEverythingPrintedAlsoStackTraces() {
        Printable.registerSecret("s3cr3t");
        Printable.registerSecret("s3cr3t-Pa55word"); // contains the other: masked whole all the same
        Printable.registerSecret("abc"); // too short to mask without masking ordinary words
        StringWriter text = new StringWriter();
        PrintWriter safe = Printable.safe(new PrintWriter(text, true));
        new IllegalStateException("server said: login for user with s3cr3t-Pa55word refused").printStackTrace(safe);
        safe.println("abc stays");
        assertThat(text.toString()).doesNotContain("s3cr3t-Pa55word").contains("with *** refused")
                .contains("abc stays");
    }
}
