package io.vmlift.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.vmlift.VmliftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads documents the way `kubectl -f` does: files or folders (not recursive), multi-document YAML or JSON.
 * Every error names file:line and says how to fix it.
 */
public final class DocumentLoader {
    /** Larger files are refused before they are read. */
    static final long MAX_FILE_BYTES = 64L << 20;
    private static final Map<String, Class<? extends Document>> KINDS = Map.of(
            "forklift.konveyor.io/v1beta1/" + Provider.KIND, Provider.class,
            "forklift.konveyor.io/v1beta1/" + NetworkMap.KIND, NetworkMap.class,
            "forklift.konveyor.io/v1beta1/" + StorageMap.KIND, StorageMap.class,
            "forklift.konveyor.io/v1beta1/" + Plan.KIND, Plan.class,
            "forklift.konveyor.io/v1beta1/" + Migration.KIND, Migration.class,
            "forklift.konveyor.io/v1beta1/" + Hook.KIND, Hook.class,
            TestSuite.API_VERSION + "/" + TestSuite.KIND, TestSuite.class,
            "v1/" + Secret.KIND, Secret.class);

    private DocumentLoader() {}

    /** Loads every document found at the given paths, then checks names and references. */
    public static DocumentSet load(List<Path> paths) {
        List<Located<?>> loaded = new ArrayList<>();
        for (Path path : paths) {
            // A folder is a workspace: it may also hold vmlift's JSON reports and inventories, which are passed
            // over. YAML is never passed over, so a document with a misspelt apiVersion still gets its error.
            boolean folder = Files.isDirectory(path);
            for (Path file : filesAt(path)) {
                boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
                loaded.addAll(loadFile(file, folder && json));
            }
        }
        DocumentSet set = new DocumentSet(loaded);
        set.check();
        return set;
    }

    private static List<Path> filesAt(Path path) {
        if (!Files.exists(path)) {
            throw VmliftException.badInput(path + ": no such file or folder; pass an existing file or folder to -f");
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> children = Files.list(path)) {
            List<Path> files = children.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(ya?ml|json)"))
                    .sorted()
                    .collect(Collectors.toList());
            if (files.isEmpty()) {
                throw VmliftException.badInput(path + ": the folder holds no .yaml, .yml or .json file");
            }
            return files;
        } catch (IOException e) {
            throw VmliftException.badInput(path + ": cannot list the folder: " + Serialization.describe(e), e);
        }
    }

    static List<Located<?>> loadFile(Path file) {
        return loadFile(file, false);
    }

    /** @param skipForeign pass over documents without apiVersion and kind (not Kubernetes objects at all) */
    static List<Located<?>> loadFile(Path file, boolean skipForeign) {
        if (skipForeign && isForeignJson(file)) {
            return List.of();
        }
        String text;
        try {
            // Size first: a document is never this large, and reading it would cost the memory it claims.
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw VmliftException.badInput(file + ": " + Files.size(file) + " bytes is more than vmlift reads"
                        + " as documents (" + (MAX_FILE_BYTES >> 20) + " MiB); split it, or pass the right file");
            }
            text = Files.readString(file);
        } catch (IOException e) {
            throw VmliftException.badInput(file + ": cannot read: " + Serialization.describe(e), e);
        }
        List<Located<?>> documents = new ArrayList<>();
        for (YamlTrees.Tree tree : YamlTrees.read(file, text)) {
            addDocument(file, tree, documents, skipForeign);
        }
        if (documents.isEmpty() && !skipForeign) {
            throw VmliftException.badInput(file + ":1: the file holds no document");
        }
        return documents;
    }

    /**
     * A JSON file whose top level has neither apiVersion nor kind (vmlift's inventory, concerns, reports): read
     * as a stream, field names only, so that a large inventory in a workspace folder costs neither time nor the
     * document size limits.
     */
    private static boolean isForeignJson(Path file) {
        try (JsonParser parser = Serialization.json().getFactory().createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (name.equals("apiVersion") || name.equals("kind")) {
                    return false;
                }
                parser.nextToken();
                parser.skipChildren();
            }
            return true;
        } catch (IOException e) {
            return false; // not JSON after all: the YAML reader says what is wrong, with its line
        }
    }

    private static void addDocument(Path file, YamlTrees.Tree parsed, List<Located<?>> into, boolean skipForeign) {
        JsonNode tree = parsed.root();
        int startLine = parsed.line();
        if (tree.isNull()) {
            return; // an empty document (comments only), as kubectl passes it over
        }
        if (!tree.isObject()) {
            throw VmliftException.badInput(file + ":" + startLine
                    + ": a document must be a mapping with apiVersion, kind and metadata");
        }
        if (skipForeign && !tree.has("apiVersion") && !tree.has("kind")) {
            return;
        }
        Map<String, Integer> lines = parsed.lines();
        if ("v1".equals(tree.path("apiVersion").asText()) && "List".equals(tree.path("kind").asText())) {
            // What `kubectl get plans,networkmaps,... -o yaml` prints: the documents are its items.
            JsonNode items = tree.path("items");
            for (int i = 0; i < items.size(); i++) {
                bind(file, items.get(i), "/items/" + i, lines, startLine, into);
            }
            return;
        }
        bind(file, tree, "", lines, startLine, into);
    }

    /** Binds one document (the whole YAML document, or an item of a List at prefix) to its type. */
    private static void bind(Path file, JsonNode node, String prefix, Map<String, Integer> lines, int startLine,
            List<Located<?>> into) {
        int line = Located.lineOf(lines, prefix, startLine);
        String apiVersion = node.path("apiVersion").asText("");
        String kind = node.path("kind").asText("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            throw VmliftException.badInput(file + ":" + line + ": the document lacks apiVersion or kind;"
                    + " add e.g. 'apiVersion: forklift.konveyor.io/v1beta1' and 'kind: Plan'");
        }
        Class<? extends Document> type = KINDS.get(apiVersion + "/" + kind);
        if (type == null) {
            throw VmliftException.badInput(file + ":" + line + ": unknown document " + apiVersion + " " + kind
                    + "; vmlift reads Provider, NetworkMap, StorageMap, Plan, Migration and Hook (forklift.konveyor.io/v1beta1),"
                    + " TestSuite (vmlift.io/v1alpha1) and Secret (v1), alone or as items of a v1 List");
        }
        try {
            Document document = Serialization.yaml().readerFor(type).readValue(node);
            if (document instanceof TestSuite suite && !suite.problems().isEmpty()) {
                throw VmliftException.badInput(file + ":" + line + ": TestSuite " + suite.name() + ": "
                        + suite.problems().get(0));
            }
            into.add(new Located<>(document, file, line, relativeTo(lines, prefix)));
        } catch (UnrecognizedPropertyException e) {
            String at = prefix + pointer(e);
            throw VmliftException.badInput(file + ":" + Located.lineOf(lines, at, line) + ": unknown field '"
                    + dotted(pointer(e)) + "' in " + kind + "; check the spelling (known there: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "))
                    + ")", e);
        } catch (InvalidNullException e) {
            throw VmliftException.badInput(file + ":" + Located.lineOf(lines, prefix + pointer(e), line)
                    + ": '" + dotted(pointer(e)) + "' in " + kind + " is empty (null); fill it in or remove it", e);
        } catch (MismatchedInputException e) {
            throw VmliftException.badInput(file + ":" + Located.lineOf(lines, prefix + pointer(e), line)
                    + ": wrong type for '" + dotted(pointer(e)) + "' in " + kind + ": expected "
                    + describeType(e.getTargetType()) + (e.getTargetType() == String.class
                            ? " (quote it: YAML reads on, off, yes, no and bare numbers as other types)" : ""), e);
        } catch (JsonMappingException e) {
            throw VmliftException.badInput(file + ":" + Located.lineOf(lines, prefix + pointer(e), line)
                    + ": invalid value for '" + dotted(pointer(e)) + "' in " + kind + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw VmliftException.badInput(file + ":" + line + ": " + e.getMessage(), e);
        }
    }

    /** The part of a line index below prefix, keyed relative to it. */
    private static Map<String, Integer> relativeTo(Map<String, Integer> lines, String prefix) {
        if (prefix.isEmpty()) {
            return lines;
        }
        Map<String, Integer> relative = new HashMap<>();
        lines.forEach((pointer, line) -> {
            if (pointer.startsWith(prefix + "/")) {
                relative.put(pointer.substring(prefix.length()), line);
            }
        });
        return relative;
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder pointer = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            pointer.append('/').append(reference.getFieldName() != null ? reference.getFieldName() : reference.getIndex());
        }
        return pointer.toString();
    }

    /** /spec/vms/0/name -> spec.vms[0].name, the way people write paths. */
    public static String dotted(String pointer) {
        StringBuilder out = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.matches("\\d+")) {
                out.append('[').append(part).append(']');
            } else {
                out.append(out.length() == 0 ? "" : ".").append(part);
            }
        }
        return out.toString();
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }
}
