package io.vmlift.source.vsphere;

import io.vmlift.source.vsphere.PropertyReader.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The vSphere SOAP calls vmlift makes itself, over the JDK's HTTP client: the service content, login and logout,
 * container views and property reads. They are the whole of connect and inventory, which thereby never load
 * yavijava (its start-up and DOM mapping cost seconds at scale); power and snapshot tasks still go through it.
 */
final class VimClient {
    static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
    private static final String SOAP_ACTION = "urn:vim25/6.0";
    private static final String COOKIE = "vmware_soap_session";

    /** A fault the server answered with: its type (InvalidLogin, NotAuthenticated, ...) and message. */
    static final class VimFault extends IOException {
        private final String type;

        VimFault(String type, String message) {
            super(message + (type == null ? "" : " (" + type + ")"));
            this.type = type;
        }

        String type() {
            return type;
        }
    }

    /** The managed objects of the ServiceContent vmlift calls; vCenter and ESXi name them differently. */
    record ServiceContent(String rootFolder, String propertyCollector, String viewManager, String sessionManager) {}

    /** Reads a call's answer as it streams in. */
    @FunctionalInterface
    interface AnswerReader<T> {
        T read(SoapXmlScanner xml) throws IOException;
    }

    private final HttpClient http;
    private final URI sdk;

    VimClient(HttpClient http, URI sdk) {
        this.http = http;
        this.sdk = sdk;
    }

    ServiceContent serviceContent() throws IOException {
        Node content = call(null, "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
                + "ServiceInstance</_this></RetrieveServiceContent>");
        Node returnval = content.child("returnval");
        if (returnval == null || returnval.text("rootFolder") == null) {
            throw new IOException(sdk + " answered RetrieveServiceContent without a root folder; is it a vSphere SDK?");
        }
        return new ServiceContent(returnval.text("rootFolder"), returnval.text("propertyCollector"),
                returnval.text("viewManager"), returnval.text("sessionManager"));
    }

    /** Logs in and returns the session cookie ("vmware_soap_session=..."), a secret: never log it. */
    String login(ServiceContent content, String user, String password) throws IOException {
        String body = "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">" + escape(content.sessionManager())
                + "</_this><userName>" + escape(user) + "</userName><password>" + escape(password)
                + "</password></Login>";
        HttpResponse<InputStream> response = send(null, body);
        read(response, xml -> null);
        for (String header : response.headers().allValues("Set-Cookie")) {
            if (header.startsWith(COOKIE + "=")) {
                int end = header.indexOf(';');
                String cookie = end < 0 ? header : header.substring(0, end);
                io.vmlift.Printable.registerSecret(cookie.substring(COOKIE.length() + 1));
                return cookie;
            }
        }
        throw new IOException(sdk + " accepted the login but set no session cookie");
    }

    void logout(ServiceContent content, String cookie) throws IOException {
        call(cookie, "<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">" + escape(content.sessionManager())
                + "</_this></Logout>");
    }

    String createContainerView(ServiceContent content, String cookie, String... types) throws IOException {
        StringBuilder body = new StringBuilder("<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">")
                .append(escape(content.viewManager())).append("</_this><container type=\"Folder\">")
                .append(escape(content.rootFolder())).append("</container>");
        for (String type : types) {
            body.append("<type>").append(type).append("</type>");
        }
        body.append("<recursive>true</recursive></CreateContainerView>");
        return call(cookie, body.toString()).text("returnval");
    }

    void destroyView(String cookie, String view) throws IOException {
        call(cookie, "<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">" + escape(view)
                + "</_this></DestroyView>");
    }

    /** A small call: its answer (the element inside the SOAP body) as a Node. */
    Node call(String cookie, String body) throws IOException {
        return read(send(cookie, body), xml -> {
            for (int event = xml.next(); event != SoapXmlScanner.EOF; event = xml.next()) {
                if (event == SoapXmlScanner.START && !xml.localName().equals("Envelope")
                        && !xml.localName().equals("Body") && !xml.localName().equals("Header")) {
                    return PropertyReader.node(xml, null, PropertyReader.Keep.ALL);
                }
            }
            throw new IOException(sdk + " answered with an empty SOAP body");
        });
    }

    /** A call whose answer the reader streams through (large property reads). */
    <T> T stream(String cookie, String body, AnswerReader<T> reader) throws IOException {
        return read(send(cookie, body), reader);
    }

    private HttpResponse<InputStream> send(String cookie, String body) throws IOException {
        String envelope = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope"
                + " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"" + XSI + "\">"
                + "<soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";
        HttpRequest.Builder request = HttpRequest.newBuilder(sdk).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "text/xml; charset=utf-8").header("SOAPAction", SOAP_ACTION)
                .POST(HttpRequest.BodyPublishers.ofString(envelope));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while calling " + sdk);
        }
    }

    /** Reads an answer; a SOAP fault (HTTP 500) becomes a VimFault with its type and message. */
    private <T> T read(HttpResponse<InputStream> response, AnswerReader<T> reader) throws IOException {
        try (InputStream in = response.body()) {
            if (response.statusCode() == 500) {
                throw fault(new SoapXmlScanner(in));
            }
            if (response.statusCode() / 100 != 2) {
                throw new IOException(sdk + " answered HTTP " + response.statusCode() + "; is it a vSphere SDK url"
                        + " (https://HOST/sdk)?");
            }
            return reader.read(new SoapXmlScanner(in));
        }
    }

    private VimFault fault(SoapXmlScanner xml) throws IOException {
        for (int event = xml.next(); event != SoapXmlScanner.EOF; event = xml.next()) {
            if (event == SoapXmlScanner.START && xml.localName().equals("Fault")) {
                Node fault = PropertyReader.node(xml, null, PropertyReader.Keep.ALL);
                Node detail = fault.child("detail");
                String type = null;
                if (detail != null && !detail.children().isEmpty()) {
                    Node first = detail.children().values().iterator().next().get(0);
                    String name = detail.children().keySet().iterator().next();
                    type = first.type() != null ? first.type() : name.replaceFirst("Fault$", "");
                }
                String message = fault.text("faultstring");
                return new VimFault(type, message == null ? "(no message)" : message);
            }
        }
        return new VimFault(null, "HTTP 500 without a SOAP fault");
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
