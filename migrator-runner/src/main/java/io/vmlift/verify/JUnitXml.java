package io.vmlift.verify;

import java.io.StringWriter;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** JUnit XML (the Ant/Surefire schema Jenkins' junit step and most CI read): a suite per VM, a case per check. */
public final class JUnitXml {
    private JUnitXml() {}

    public static String write(TestReport report) {
        StringWriter text = new StringWriter();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newInstance().createXMLStreamWriter(text);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuites");
            xml.writeAttribute("name", safe("vmlift " + report.plan()));
            xml.writeAttribute("tests", Long.toString(report.vms().stream().mapToLong(v -> v.checks().size()).sum()));
            xml.writeAttribute("failures", Long.toString(report.failedCount()));
            for (TestReport.VmResult vm : report.vms()) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("testsuite");
                xml.writeAttribute("name", safe(report.plan() + "." + vm.name()));
                xml.writeAttribute("tests", Integer.toString(vm.checks().size()));
                xml.writeAttribute("failures", Long.toString(vm.checks().stream()
                        .filter(c -> !c.passedOrWarns()).count()));
                xml.writeAttribute("errors", "0");
                xml.writeAttribute("skipped", "0");
                xml.writeAttribute("time", seconds(vm.checks().stream().mapToDouble(TestReport.Check::seconds).sum()));
                for (TestReport.Check check : vm.checks()) {
                    xml.writeCharacters("\n    ");
                    xml.writeStartElement("testcase");
                    xml.writeAttribute("classname", safe("vmlift." + report.plan() + "." + vm.name()));
                    xml.writeAttribute("name", safe(check.name()));
                    xml.writeAttribute("time", seconds(check.seconds()));
                    if (!check.passedOrWarns()) {
                        xml.writeStartElement("failure");
                        xml.writeAttribute("message", safe(check.message()));
                        xml.writeCharacters(safe(check.message()));
                        xml.writeEndElement();
                    }
                    // What the check saw goes to system-out, for a passed check too; a failed warn check says so.
                    String out = (check.passed() || check.blocking() ? "" : "warning: " + check.message() + "\n")
                            + (check.evidence() == null ? "" : check.evidence());
                    if (!out.isEmpty()) {
                        xml.writeStartElement("system-out");
                        xml.writeCharacters(safe(out));
                        xml.writeEndElement();
                    }
                    xml.writeEndElement();
                }
                xml.writeCharacters("\n  ");
                xml.writeEndElement();
            }
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return text + "\n";
    }

    /**
     * XML 1.0 cannot carry control characters at all, not even as references: names with them are shown escaped,
     * and secrets masked, as everywhere vmlift prints.
     */
    private static String safe(String value) {
        return io.vmlift.Printable.clean(value);
    }

    private static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.3f", seconds);
    }
}
