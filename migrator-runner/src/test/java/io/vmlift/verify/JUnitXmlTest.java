package io.vmlift.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class JUnitXmlTest {
    @Test
    void namesWithControlCharactersStillMakeXmlThatCiParses() throws Exception {
        TestReport report = new TestReport("wave-1", List.of(new TestReport.VmResult("web\u001b[2J",
                List.of(new TestReport.Check("disk\u0007", false, "source disk 'a\u0000b' differs", 0.5)))));
        String xml = JUnitXml.write(report);
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element testcase = (Element) document.getElementsByTagName("testcase").item(0);
        assertThat(testcase.getAttribute("classname")).isEqualTo("vmlift.wave-1.web\\x1b[2J");
        assertThat(testcase.getAttribute("name")).isEqualTo("disk\\x07");
        assertThat(document.getElementsByTagName("failure").item(0).getTextContent())
                .isEqualTo("source disk 'a\\x00b' differs");
    }
}
