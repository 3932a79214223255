package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.VmliftException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML (or JSON) stream into trees, one per document, with the line of every field. SnakeYAML composes
 * the node graph, so anchors, aliases and merge keys resolve as YAML 1.1 says (what Kubernetes' YAML reader
 * does); an undefined alias is an error, and the expansion of aliases is capped (billion laughs).
 */
final class YamlTrees {
    /** Kubernetes refuses objects over 1.5 MiB (etcd's request limit); twice that is no document. */
    static final int MAX_DOCUMENT_CODE_POINTS = 3 << 20;
    /** A List of thousands of Plans stays far below this; an alias bomb does not. */
    static final int MAX_VALUES = 1_000_000;
    static final int MAX_DEPTH = 64;
    static final int MAX_LINE_CHARS = 1 << 20;
    /** A Plan of thousands of VMs may merge one base into each; the bomb is stopped by the budgets below. */
    static final int MAX_ALIASED_COLLECTIONS = 10_000;
    static final long MAX_EXPANDED_CHARACTERS = 64L << 20;

    /** One document: its tree, the line it starts on, and the line of each field keyed by JSON pointer. */
    record Tree(JsonNode root, int line, Map<String, Integer> lines) {}

    private YamlTrees() {}

    static List<Tree> read(Path file, String text) {
        List<Tree> trees = new ArrayList<>();
        for (Chunk chunk : documents(file, text)) {
            // A parser of its own per document: SnakeYAML's limits (code points, aliases) count per parser.
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(MAX_DOCUMENT_CODE_POINTS + MAX_LINE_CHARS);
            options.setMaxAliasesForCollections(MAX_ALIASED_COLLECTIONS);
            options.setNestingDepthLimit(MAX_DEPTH);
            options.setAllowRecursiveKeys(false);
            int offset = chunk.firstLine() - 1;
            try {
                for (Node node : new Yaml(options).composeAll(new StringReader(chunk.text()))) {
                    if (node == null) {
                        continue;
                    }
                    Converter converter = new Converter(file, offset);
                    JsonNode root = converter.convert(node, "", 0);
                    trees.add(new Tree(root, offset + line(node.getStartMark()), converter.lines));
                }
            } catch (MarkedYAMLException e) {
                Mark mark = e.getContextMark() != null ? e.getContextMark() : e.getProblemMark();
                String problem = (e.getContext() == null ? "" : e.getContext() + ": ") + e.getProblem();
                String fix = problem.contains("undefined alias")
                        ? "define the anchor (&name) before the alias (*name) uses it"
                        : "fix the syntax (indentation, quotes, colons) at that line";
                throw VmliftException.badInput(file + ":" + (offset + (mark == null ? 1 : line(mark)))
                        + ": malformed YAML: " + problem.replaceAll("\\s+", " ") + "; " + fix);
            } catch (YAMLException e) {
                throw VmliftException.badInput(file + ":" + chunk.firstLine() + ": cannot read YAML: "
                        + e.getMessage().replaceAll("\\s+", " ") + "; a document has at most "
                        + MAX_ALIASED_COLLECTIONS + " aliases of lists and mappings");
            }
        }
        return trees;
    }

    /** The text of one YAML document and the line of the file it starts on. */
    private record Chunk(String text, int firstLine) {}

    /**
     * Splits the stream at its document markers (a line starting with ---) and refuses long lines and documents
     * before SnakeYAML sees them: its scanner takes minutes over a 10 MB scalar.
     */
    private static List<Chunk> documents(Path file, String text) {
        List<Chunk> chunks = new ArrayList<>();
        int line = 1;
        int lineStart = 0;
        int documentStart = 0;
        int documentLine = 1;
        for (int i = 0; i <= text.length(); i++) {
            if (i < text.length() && text.charAt(i) != '\n') {
                continue;
            }
            if (i - lineStart > MAX_LINE_CHARS) {
                throw VmliftException.badInput(file + ":" + line + ": the line is " + (i - lineStart)
                        + " characters long, more than vmlift reads (" + (MAX_LINE_CHARS >> 20) + " Mi); is this"
                        + " the right file?");
            }
            if (isMarker(text, lineStart, i) && lineStart > documentStart) {
                chunks.add(new Chunk(text.substring(documentStart, lineStart), documentLine));
                documentStart = lineStart;
                documentLine = line;
            } else if (i - documentStart > MAX_DOCUMENT_CODE_POINTS) {
                throw VmliftException.badInput(file + ":" + line + ": the document reaches past "
                        + (MAX_DOCUMENT_CODE_POINTS >> 20) + " Mi characters; Kubernetes objects are at most"
                        + " 1.5 MiB: split it");
            }
            line++;
            lineStart = i + 1;
        }
        chunks.add(new Chunk(text.substring(Math.min(documentStart, text.length())), documentLine));
        return chunks;
    }

    /** "---" alone or followed by a space: the start of a document. */
    private static boolean isMarker(String text, int from, int to) {
        return text.startsWith("---", from) && (to - from == 3 || Character.isWhitespace(text.charAt(from + 3)));
    }

    private static int line(Mark mark) {
        return mark.getLine() + 1;
    }

    private static final class Converter {
        private final Path file;
        private final int offset;
        private final Map<String, Integer> lines = new HashMap<>();
        private final IdentityHashMap<Node, Boolean> inProgress = new IdentityHashMap<>();
        private int values;
        /** Characters of keys and pointers made so far: aliases can repeat a long key a million times. */
        private long characters;

        Converter(Path file, int offset) {
            this.file = file;
            this.offset = offset;
        }

        private int lineOf(Node node) {
            return offset + line(node.getStartMark());
        }

        /** Records where a pointer is, unless known (a merge key's base must not move the mapping's own lines). */
        private void place(String pointer, Node node) {
            characters += pointer.length();
            if (characters > MAX_EXPANDED_CHARACTERS) {
                throw VmliftException.badInput(file + ":" + lineOf(node) + ": the document expands to more than "
                        + (MAX_EXPANDED_CHARACTERS >> 20) + " Mi characters (aliases that repeat aliases?);"
                        + " write the values out");
            }
            lines.putIfAbsent(pointer, lineOf(node));
        }

        JsonNode convert(Node node, String pointer, int depth) {
            if (++values > MAX_VALUES || depth > MAX_DEPTH) {
                throw VmliftException.badInput(file + ":" + lineOf(node) + ": the document expands to"
                        + " more than " + (depth > MAX_DEPTH ? MAX_DEPTH + " levels" : MAX_VALUES + " values")
                        + " (aliases that repeat aliases?); write the values out");
            }
            if (inProgress.put(node, Boolean.TRUE) != null) {
                throw VmliftException.badInput(file + ":" + lineOf(node) + ": an alias refers to a"
                        + " collection that contains it; YAML documents for vmlift cannot be recursive");
            }
            try {
                if (node instanceof MappingNode mapping) {
                    return mapping(mapping, pointer, depth);
                }
                if (node instanceof SequenceNode sequence) {
                    ArrayNode array = JsonNodeFactory.instance.arrayNode();
                    List<Node> items = sequence.getValue();
                    for (int i = 0; i < items.size(); i++) {
                        String at = pointer + "/" + i;
                        place(at, items.get(i));
                        array.add(convert(items.get(i), at, depth + 1));
                    }
                    return array;
                }
                return scalar((ScalarNode) node);
            } finally {
                inProgress.remove(node);
            }
        }

        private ObjectNode mapping(MappingNode mapping, String pointer, int depth) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            List<NodeTuple> merges = new ArrayList<>();
            for (NodeTuple tuple : mapping.getValue()) {
                Node keyNode = tuple.getKeyNode();
                if (keyNode.getTag().equals(Tag.MERGE)) {
                    merges.add(tuple);
                    continue;
                }
                if (!(keyNode instanceof ScalarNode key)) {
                    throw VmliftException.badInput(file + ":" + lineOf(keyNode)
                            + ": a mapping key must be a plain value, not a list or mapping");
                }
                String name = key.getValue();
                String at = pointer + "/" + escape(name);
                if (object.has(name)) {
                    throw VmliftException.badInput(file + ":" + lineOf(keyNode) + ": key '" + name
                            + "' is given twice in one mapping; keep one");
                }
                place(at, keyNode);
                object.set(name, convert(tuple.getValueNode(), at, depth + 1));
            }
            // Merge keys (<<: *base) add the fields the mapping does not set itself, as YAML 1.1 says.
            for (NodeTuple merge : merges) {
                Node value = merge.getValueNode();
                List<Node> sources = value instanceof SequenceNode sequence ? sequence.getValue() : List.of(value);
                for (Node source : sources) {
                    JsonNode merged = convert(source, pointer, depth + 1);
                    if (!merged.isObject()) {
                        throw VmliftException.badInput(file + ":" + lineOf(source)
                                + ": a merge key (<<) takes a mapping or a list of mappings");
                    }
                    merged.fields().forEachRemaining(field -> {
                        if (!object.has(field.getKey())) {
                            object.set(field.getKey(), field.getValue());
                        }
                    });
                }
            }
            return object;
        }

        private static JsonNode scalar(ScalarNode scalar) {
            String text = scalar.getValue();
            Tag tag = scalar.getTag();
            JsonNodeFactory json = JsonNodeFactory.instance;
            if (tag.equals(Tag.NULL)) {
                return json.nullNode();
            }
            if (tag.equals(Tag.BOOL)) {
                String lower = text.toLowerCase(Locale.ROOT);
                return json.booleanNode(lower.equals("true") || lower.equals("yes") || lower.equals("on"));
            }
            if (tag.equals(Tag.INT)) {
                BigInteger value = integer(text);
                if (value != null) {
                    return value.bitLength() < 64 ? json.numberNode(value.longValue()) : json.numberNode(value);
                }
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return json.numberNode(Double.parseDouble(text.replace("_", "")));
                } catch (NumberFormatException e) {
                    return json.textNode(text); // .inf, .nan, sexagesimal: kept as written
                }
            }
            return json.textNode(text);
        }

        /** YAML 1.1 integers: decimal, 0x hex, 0 octal, 0b binary, with _ separators; null otherwise. */
        private static BigInteger integer(String text) {
            String digits = text.replace("_", "");
            boolean negative = digits.startsWith("-");
            if (negative || digits.startsWith("+")) {
                digits = digits.substring(1);
            }
            try {
                BigInteger value;
                if (digits.startsWith("0x")) {
                    value = new BigInteger(digits.substring(2), 16);
                } else if (digits.startsWith("0b")) {
                    value = new BigInteger(digits.substring(2), 2);
                } else if (digits.length() > 1 && digits.startsWith("0")) {
                    value = new BigInteger(digits.substring(1), 8);
                } else {
                    value = new BigInteger(digits);
                }
                return negative ? value.negate() : value;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** JSON pointer escaping of a key. */
        private static String escape(String key) {
            return key.replace("~", "~0").replace("/", "~1");
        }
    }
}
