package io.vmlift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * Validates Kubernetes objects against the upstream KubeVirt and CDI OpenAPI (swagger 2.0) schemas in the folder
 * named by the system property {@value #SCHEMAS_DIR_PROPERTY} (Maven sets it, see migrator-runner/pom.xml; the
 * schemas are not part of this repository).
 *
 * <p>The check is as strict as {@code kubectl apply --validate=strict}: every schema object that lists
 * {@code properties} and says nothing about {@code additionalProperties} is closed, so unknown fields are errors.
 * Quantities ({@code int-or-string}) may be integers or strings, and {@code null} fields of the object are dropped
 * before validating, as the API server does.
 *
 * <p>When the folder is not there, {@link #kubevirt()} and {@link #cdi()} abort the calling test with a JUnit
 * assumption, so it is reported as skipped with the reason, never as passed.
 */
public final class KubeSchemas {
    public static final String SCHEMAS_DIR_PROPERTY = "vmlift.schemasDir";
    public static final String KUBEVIRT_FILE = "kubevirt-openapi.json";
    public static final String CDI_FILE = "cdi-openapi.json";
    public static final String VIRTUAL_MACHINE = "v1.VirtualMachine";
    public static final String DATA_VOLUME = "v1beta1.DataVolume";

    /** A made-up base IRI the (preprocessed) swagger files are registered under; nothing is fetched from it. */
    private static final String BASE_IRI = "https://schemas.vmlift.invalid/";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, KubeSchemas> LOADED = new ConcurrentHashMap<>();

    private final String fileName;
    private final JsonNode swagger;
    private final JsonSchemaFactory factory;
    private final SchemaValidatorsConfig config;
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    private KubeSchemas(String fileName, JsonNode strictSwagger) {
        this.fileName = fileName;
        this.swagger = strictSwagger;
        String text;
        try {
            text = MAPPER.writeValueAsString(strictSwagger);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String iri = BASE_IRI + fileName;
        this.factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4,
                builder -> builder.schemaLoaders(loaders -> loaders.schemas(Map.of(iri, text))));
        this.config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .typeLoose(false)
                .build();
    }

    /** KubeVirt's swagger (has {@value #VIRTUAL_MACHINE}); aborts the test as skipped when the folder is absent. */
    public static KubeSchemas kubevirt() {
        return load(KUBEVIRT_FILE);
    }

    /** CDI's swagger (has {@value #DATA_VOLUME}); aborts the test as skipped when the folder is absent. */
    public static KubeSchemas cdi() {
        return load(CDI_FILE);
    }

    /** One swagger file of the schemas folder, loaded once and made strict. */
    public static KubeSchemas load(String fileName) {
        Path file = schemasDir().resolve(fileName);
        return LOADED.computeIfAbsent(fileName, name -> {
            if (!Files.isRegularFile(file)) {
                // The folder is there but incomplete: a broken setup, not a reason to skip quietly.
                throw new IllegalStateException("Schema file " + file + " is missing from " + SCHEMAS_DIR_PROPERTY);
            }
            try {
                return new KubeSchemas(name, strict(MAPPER.readTree(file.toFile())));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + file, e);
            }
        });
    }

    /**
     * The folder of the upstream schemas. Aborts the calling test (JUnit: skipped, with the reason) when the
     * system property is not set or the folder does not exist.
     */
    public static Path schemasDir() {
        String property = System.getProperty(SCHEMAS_DIR_PROPERTY);
        Assumptions.assumeTrue(property != null && !property.isBlank(), () -> "SKIPPED the KubeVirt/CDI schema check:"
                + " system property " + SCHEMAS_DIR_PROPERTY + " is not set (Maven sets it from migrator-runner/pom.xml;"
                + " set -D" + SCHEMAS_DIR_PROPERTY + "=<folder with " + KUBEVIRT_FILE + " and " + CDI_FILE
                + "> to run it)");
        Path dir = Path.of(property).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir), () -> "SKIPPED the KubeVirt/CDI schema check: the schemas"
                + " folder " + dir + " (system property " + SCHEMAS_DIR_PROPERTY + ") does not exist, so the generated"
                + " manifests were NOT checked against the upstream schemas (CI has shared/schemas beside the clone)");
        return dir;
    }

    /**
     * The errors of {@code instance} against {@code #/definitions/<definition>} of this file, each as
     * "JSON pointer: message"; empty when it is valid.
     */
    public List<String> validate(String definition, JsonNode instance) {
        JsonSchema schema = schema(definition);
        List<String> errors = new ArrayList<>();
        for (ValidationMessage message : schema.validate(withoutNulls(instance))) {
            String location = message.getInstanceLocation().toString();
            // getError() is the message without the location that getMessage() puts in front.
            errors.add((location.isEmpty() ? "/" : location) + ": " + message.getError());
        }
        errors.sort(null);
        return errors;
    }

    /** The compiled schema of one definition (exposed so tests can check which definition it is). */
    public JsonSchema schema(String definition) {
        return schemas.computeIfAbsent(definition, name -> {
            if (!swagger.path("definitions").path(name).isObject()) {
                throw new IllegalArgumentException(fileName + " has no definition " + name);
            }
            String location = BASE_IRI + fileName + "#/definitions/" + name;
            JsonSchema schema = factory.getSchema(SchemaLocation.of(location), config);
            schema.initializeValidators();
            return schema;
        });
    }

    // ---- preprocessing -------------------------------------------------------------------------------------

    /**
     * A copy of a swagger tree made strict: every schema that lists {@code properties} and has no
     * {@code additionalProperties} gets {@code "additionalProperties": false}; quantities and {@code int-or-string}
     * fields accept integers and strings. Walks schemas only (properties, items, additionalProperties,
     * definitions), never default values or enums.
     */
    public static JsonNode strict(JsonNode swagger) {
        JsonNode copy = swagger.deepCopy();
        JsonNode definitions = copy.path("definitions");
        Iterator<Map.Entry<String, JsonNode>> entries = definitions.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (entry.getValue() instanceof ObjectNode definition) {
                if (isQuantity(entry.getKey())) {
                    allowIntegerOrString(definition);
                }
                strictSchema(definition);
            }
        }
        return copy;
    }

    private static boolean isQuantity(String definitionName) {
        return definitionName.equals("resource.Quantity") || definitionName.endsWith(".resource.Quantity")
                || definitionName.endsWith("intstr.IntOrString");
    }

    private static void strictSchema(ObjectNode schema) {
        if ("int-or-string".equals(schema.path("format").asText(null))) {
            allowIntegerOrString(schema);
        }
        JsonNode properties = schema.get("properties");
        if (properties instanceof ObjectNode props) {
            if (!schema.has("additionalProperties")) {
                schema.put("additionalProperties", false);
            }
            props.forEach(KubeSchemas::strictChild);
        }
        strictChild(schema.get("additionalProperties"));
        JsonNode items = schema.get("items");
        if (items instanceof ArrayNode tuple) {
            tuple.forEach(KubeSchemas::strictChild);
        } else {
            strictChild(items);
        }
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            if (schema.get(combinator) instanceof ArrayNode parts) {
                parts.forEach(KubeSchemas::strictChild);
            }
        }
    }

    private static void strictChild(JsonNode node) {
        if (node instanceof ObjectNode schema) {
            strictSchema(schema);
        }
    }

    /** An int-or-string value: the API server takes {@code 4Gi}, {@code "1073741824"} and {@code 1073741824}. */
    private static void allowIntegerOrString(ObjectNode schema) {
        ArrayNode types = JsonNodeFactory.instance.arrayNode();
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (type != null && type.isTextual()) {
            types.add(type.asText());
        }
        for (String needed : List.of("string", "integer")) {
            if (!contains(types, needed)) {
                types.add(needed);
            }
        }
        schema.set("type", types);
        if ("int-or-string".equals(schema.path("format").asText(null))) {
            schema.remove("format");
        }
    }

    private static boolean contains(ArrayNode array, String value) {
        for (JsonNode element : array) {
            if (value.equals(element.asText())) {
                return true;
            }
        }
        return false;
    }

    /** A copy without null-valued object fields, at any depth (the API server drops them before validating). */
    public static JsonNode withoutNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            object.fields().forEachRemaining(field -> {
                if (!field.getValue().isNull()) {
                    copy.set(field.getKey(), withoutNulls(field.getValue()));
                }
            });
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            array.forEach(element -> copy.add(withoutNulls(element)));
            return copy;
        }
        return node;
    }
}
