package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The streaming property reader: paging with tokens and faults, which the simulator never produces, from a peer
 * that answers in the SOAP wire format of the vSphere API reference; and the XML scanner against the JDK's StAX.
 */
class PropertyReaderTest {
    private static final String ENVELOPE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope"
            + " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>";

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> answers = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/sdk", exchange -> {
            requests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    + "\nCookie: " + exchange.getRequestHeaders().getFirst("Cookie"));
            String answer = answers.remove(0);
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.contains("Fault") ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private PropertyReader reader() {
        return new PropertyReader(new VimClient(HttpClient.newHttpClient(),
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sdk")), "vmware_soap_session=\"s1\"",
                "propertyCollector");
    }

    private static String vm(String id, String name) {
        return "<objects><obj type=\"VirtualMachine\">" + id + "</obj><propSet><name>name</name>"
                + "<val xsi:type=\"xsd:string\">" + name + "</val></propSet><propSet><name>runtime.host</name>"
                + "<val type=\"HostSystem\" xsi:type=\"ManagedObjectReference\">host-9</val></propSet></objects>";
    }

    @Test
    void followsTheTokenUntilTheLastPageAndSendsTheSessionCookie() throws IOException {
        answers.add(ENVELOPE.formatted("<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
                + "<token>page-2</token>" + vm("vm-1", "web &amp; db") + vm("vm-2", "caf\u00e9")
                + "</returnval></RetrievePropertiesExResponse>"));
        answers.add(ENVELOPE.formatted("<ContinueRetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
                + vm("vm-3", "<![CDATA[a<b]]>") + "</returnval></ContinueRetrievePropertiesExResponse>"));
        List<String> seen = new ArrayList<>();
        reader().retrieveView("session[x]view-1", List.of(new PropertyReader.Spec("VirtualMachine", "name")), 2,
                PropertyReader.Keep.ALL, (name, node) -> node.ref() != null ? node.ref() : node.text(),
                (type, id, properties) -> seen.add(type + "/" + id + "/" + properties.get("name") + "/"
                        + properties.get("runtime.host")));
        assertThat(seen).containsExactly(
                "VirtualMachine/vm-1/web & db/Ref[type=HostSystem, value=host-9]",
                "VirtualMachine/vm-2/caf\u00e9/Ref[type=HostSystem, value=host-9]",
                "VirtualMachine/vm-3/a<b/Ref[type=HostSystem, value=host-9]");
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0)).contains("<maxObjects>2</maxObjects>").contains("session[x]view-1")
                .contains("Cookie: vmware_soap_session=\"s1\"");
        assertThat(requests.get(1)).contains("<ContinueRetrievePropertiesEx").contains("<token>page-2</token>");
    }

    @Test
    void aSoapFaultBecomesAnErrorWithItsFaultString() {
        answers.add(ENVELOPE.formatted("<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The"
                + " session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns=\"urn:vim25\""
                + " xsi:type=\"NotAuthenticated\"/></detail></soapenv:Fault>"));
        assertThatThrownBy(() -> reader().retrieveView("v", List.of(new PropertyReader.Spec("VirtualMachine")), 10,
                PropertyReader.Keep.ALL, (n, v) -> v.text(), (t, i, p) -> { }))
                .isInstanceOf(VimClient.VimFault.class).hasMessageContaining("The session is not authenticated.")
                .hasMessageContaining("NotAuthenticated");
    }

    @Test
    void theScannerSeesTheSameElementsAndTextAsStax() throws Exception {
        String xml = "<?xml version=\"1.0\"?><!-- a comment --><a:root xmlns:a=\"urn:x\" k='v'>"
                + "<b x=\"1\"/>text &lt;&gt;&amp;&quot;&apos; &#65;&#x42; \u00fc<c>\n  <d>deep</d>\n</c>"
                + "<![CDATA[<raw>]]></a:root>";
        assertThat(scan(xml)).isEqualTo(stax(xml));
    }

    @Test
    void theScannerRefusesADoctypeSoNoEntityCanExpand() {
        String xml = "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
        assertThatThrownBy(() -> scan(xml)).isInstanceOf(IOException.class).hasMessageContaining("DOCTYPE");
    }

    @Test
    void theScannerSaysWhereMarkupIsBroken() {
        assertThatThrownBy(() -> scan("<a><b attr=unquoted/></a>")).isInstanceOf(IOException.class)
                .hasMessageContaining("at byte").hasMessageContaining("quotes");
    }

    /** START name / TEXT content / END name, adjacent text merged, as StAX with coalescing reports them. */
    private static List<String> scan(String xml) throws IOException {
        SoapXmlScanner scanner = new SoapXmlScanner(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        List<String> events = new ArrayList<>();
        for (int e = scanner.next(); e != SoapXmlScanner.EOF; e = scanner.next()) {
            String event = switch (e) {
                case SoapXmlScanner.START -> "START " + scanner.localName();
                case SoapXmlScanner.END -> "END " + scanner.localName();
                default -> "TEXT " + scanner.text();
            };
            merge(events, event);
        }
        return events;
    }

    private static List<String> stax(String xml) throws Exception {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        List<String> events = new ArrayList<>();
        while (reader.hasNext()) {
            int e = reader.next();
            if (e == XMLStreamConstants.START_ELEMENT) {
                merge(events, "START " + reader.getLocalName());
            } else if (e == XMLStreamConstants.END_ELEMENT) {
                merge(events, "END " + reader.getLocalName());
            } else if (e == XMLStreamConstants.CHARACTERS || e == XMLStreamConstants.CDATA) {
                merge(events, "TEXT " + reader.getText());
            }
        }
        return events;
    }

    private static void merge(List<String> events, String event) {
        if (event.startsWith("TEXT ") && !events.isEmpty() && events.get(events.size() - 1).startsWith("TEXT ")) {
            events.set(events.size() - 1, events.get(events.size() - 1) + event.substring(5));
        } else {
            events.add(event);
        }
    }
}
