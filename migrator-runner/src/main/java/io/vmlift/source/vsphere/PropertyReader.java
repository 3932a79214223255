package io.vmlift.source.vsphere;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * RetrievePropertiesEx (and ContinueRetrievePropertiesEx while the server pages) over the logged-in session,
 * with the response read as a stream. yavijava builds a DOM of the whole response and maps it by reflection,
 * which at 5,000 VMs (30 MB of XML) costs seconds and hundreds of MB; here each property value becomes a small
 * {@link Node} tree that the caller turns into what it keeps, so memory follows the result, not the XML.
 */
final class PropertyReader {

    /**
     * One XML element: its xsi:type (without prefix), the managed object type when it is a reference (else
     * null), its text, its child elements by name.
     */
    record Node(String type, String refType, String text, Map<String, List<Node>> children) {
        /** A managed object reference, or null when this is not one. */
        Ref ref() {
            return refType == null ? null : new Ref(refType, text);
        }

        Node child(String name) {
            List<Node> nodes = children.get(name);
            return nodes == null || nodes.isEmpty() ? null : nodes.get(0);
        }

        List<Node> all(String name) {
            return children.getOrDefault(name, List.of());
        }

        /** The text of a child, or null. */
        String text(String name) {
            Node node = child(name);
            return node == null ? null : node.text();
        }

        /** The text of a descendant along a path of child names, or null. */
        String path(String... names) {
            Node at = this;
            for (String name : names) {
                at = at.child(name);
                if (at == null) {
                    return null;
                }
            }
            return at.text();
        }
    }

    /** The properties to read of one managed object type. */
    record Spec(String type, String... paths) {}

    /**
     * Which elements of a property's value to keep, by name at any depth; the rest is skipped unread. Most of a
     * VM's device list is of no interest, and building it costs more than reading it.
     */
    @FunctionalInterface
    interface Keep {
        Keep ALL = (property, element) -> true;

        boolean keep(String property, String element);
    }

    /** A managed object reference: type and value ("VirtualMachine", "vm-42"). */
    record Ref(String type, String value) {}

    private final VimClient client;
    private final String cookie;
    private final String propertyCollector;

    PropertyReader(VimClient client, String cookie, String propertyCollector) {
        this.client = client;
        this.cookie = cookie;
        this.propertyCollector = propertyCollector;
    }

    /**
     * Every object the container view holds, with the spec's properties, each value converted as it arrives.
     *
     * @param convert (property name, value node) to what the caller keeps
     * @param visit receives each object: type, id, converted properties
     */
    void retrieveView(String containerView, List<Spec> specs, int pageSize, Keep keep,
            BiFunction<String, Node, Object> convert, ObjectVisitor visit) throws IOException {
        String objects = "<objectSet><obj type=\"ContainerView\">" + escape(containerView) + "</obj>"
                + "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
                + "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>";
        retrieve(objects, specs, pageSize, keep, convert, visit);
    }

    /** The given objects (all of the spec's type), with the spec's properties. */
    void retrieveObjects(List<Ref> refs, Spec spec, int pageSize, Keep keep, BiFunction<String, Node, Object> convert,
            ObjectVisitor visit) throws IOException {
        StringBuilder objects = new StringBuilder();
        for (Ref ref : refs) {
            objects.append("<objectSet><obj type=\"").append(escape(ref.type())).append("\">")
                    .append(escape(ref.value())).append("</obj><skip>false</skip></objectSet>");
        }
        retrieve(objects.toString(), List.of(spec), pageSize, keep, convert, visit);
    }

    private void retrieve(String objectSets, List<Spec> specs, int pageSize, Keep keep,
            BiFunction<String, Node, Object> convert, ObjectVisitor visit) throws IOException {
        StringBuilder body = new StringBuilder("<RetrievePropertiesEx xmlns=\"urn:vim25\">")
                .append("<_this type=\"PropertyCollector\">").append(escape(propertyCollector))
                .append("</_this><specSet>");
        for (Spec spec : specs) {
            body.append("<propSet><type>").append(spec.type()).append("</type><all>false</all>");
            for (String path : spec.paths()) {
                body.append("<pathSet>").append(path).append("</pathSet>");
            }
            body.append("</propSet>");
        }
        body.append(objectSets).append("</specSet><options><maxObjects>").append(pageSize)
                .append("</maxObjects></options></RetrievePropertiesEx>");
        String token = call(body.toString(), keep, convert, visit);
        while (token != null) {
            token = call("<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">"
                    + escape(propertyCollector) + "</_this><token>" + escape(token)
                    + "</token></ContinueRetrievePropertiesEx>", keep, convert, visit);
        }
    }

    @FunctionalInterface
    interface ObjectVisitor {
        void object(String type, String id, Map<String, Object> properties);
    }

    /** Sends one call and streams its answer to visit; returns the paging token, or null at the end. */
    private String call(String request, Keep keep, BiFunction<String, Node, Object> convert, ObjectVisitor visit)
            throws IOException {
        return client.stream(cookie, request, xml -> read(xml, keep, convert, visit));
    }

    private static String read(SoapXmlScanner xml, Keep keep, BiFunction<String, Node, Object> convert,
            ObjectVisitor visit)
            throws IOException {
        String token = null;
        for (int event = xml.next(); event != SoapXmlScanner.EOF; event = xml.next()) {
            if (event != SoapXmlScanner.START) {
                continue;
            }
            switch (xml.localName()) {
                case "token" -> token = xml.elementText();
                case "objects" -> object(xml, keep, convert, visit);
                default -> { }
            }
        }
        return token;
    }

    private static void object(SoapXmlScanner xml, Keep keep, BiFunction<String, Node, Object> convert,
            ObjectVisitor visit)
            throws IOException {
        String type = null;
        String id = null;
        Map<String, Object> properties = new LinkedHashMap<>();
        for (int event = xml.next(); event != SoapXmlScanner.EOF; event = xml.next()) {
            if (event == SoapXmlScanner.END) {
                break; // </objects>
            }
            if (event != SoapXmlScanner.START) {
                continue;
            }
            switch (xml.localName()) {
                case "obj" -> {
                    type = xml.refType();
                    id = xml.elementText();
                }
                case "propSet" -> {
                    String name = null;
                    Node value = null;
                    for (int inner = xml.next(); inner != SoapXmlScanner.END; inner = xml.next()) {
                        if (inner == SoapXmlScanner.START && xml.localName().equals("name")) {
                            name = xml.elementText();
                        } else if (inner == SoapXmlScanner.START && xml.localName().equals("val")) {
                            value = node(xml, name, keep);
                        } else if (inner == SoapXmlScanner.START) {
                            xml.skipElement();
                        } else if (inner == SoapXmlScanner.EOF) {
                            throw new IOException("the server's answer ended inside a property");
                        }
                    }
                    if (name != null && value != null) {
                        Object converted = convert.apply(name, value);
                        if (converted != null) {
                            properties.put(name, converted);
                        }
                    }
                }
                default -> xml.skipElement(); // missingSet: a property the object does not have
            }
        }
        visit.object(type, id, properties);
    }

    /** Reads the element the scanner is on, and what keep keeps of everything in it, into a Node. */
    static Node node(SoapXmlScanner xml, String property, Keep keep) throws IOException {
        String type = xml.xsiType();
        String refType = xml.refType();
        Map<String, List<Node>> children = new LinkedHashMap<>();
        StringBuilder text = null;
        for (int event = xml.next(); event != SoapXmlScanner.END; event = xml.next()) {
            if (event == SoapXmlScanner.START) {
                String name = xml.localName();
                if (keep.keep(property, name)) {
                    children.computeIfAbsent(name, k -> new ArrayList<>(1)).add(node(xml, property, keep));
                } else {
                    xml.skipElement();
                }
            } else if (event == SoapXmlScanner.TEXT) {
                text = text == null ? new StringBuilder(xml.text()) : text.append(xml.text());
            } else if (event == SoapXmlScanner.EOF) {
                throw new IOException("the server's answer ended inside an element");
            }
        }
        return new Node(type, refType, children.isEmpty() ? (text == null ? "" : text.toString()) : null, children);
    }

    private static String escape(String text) {
        return VimClient.escape(text);
    }
}
