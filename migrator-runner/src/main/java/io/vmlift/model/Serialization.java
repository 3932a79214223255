package io.vmlift.model;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MutableCoercionConfig;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** The one place that configures YAML and JSON: strict on read, no nulls on write, like kubectl. */
public final class Serialization {
    private static final YAMLMapper YAML = configure(YAMLMapper.builder(YAMLFactory.builder()
                    // kubectl rejects a key given twice; so does vmlift, rather than keep one silently.
                    .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .disable(YAMLGenerator.Feature.SPLIT_LINES)
                    .build()))
            .build();
    private static final JsonMapper JSON = configure(JsonMapper.builder(new com.fasterxml.jackson.core.JsonFactoryBuilder()
            .characterEscapes(new TerminalSafeEscapes()).build())).build();

    /**
     * JSON escapes C0 controls by itself; these also escape DEL, the C1 controls and the bidi overrides, which
     * a terminal or log viewer would act on. The value read back is the same.
     */
    private static final class TerminalSafeEscapes extends com.fasterxml.jackson.core.io.CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        TerminalSafeEscapes() {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            boolean unsafe = (ch >= 0x80 && ch <= 0x9f) || (ch >= 0x202a && ch <= 0x202e)
                    || (ch >= 0x2066 && ch <= 0x2069);
            return unsafe ? new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    private Serialization() {}

    private static <M extends ObjectMapper, B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>> B configure(
            B builder) {
        return builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                // Only record components and fields are data: isLinux()-style helpers are not.
                .visibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
                // Kubernetes' types are strict: 99999 is no boolean, true is no string, and a list entry
                // left empty (vms: [null]) is an error, not a hole for later code to fall into.
                .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
                .withCoercionConfig(LogicalType.Boolean, strict())
                .withCoercionConfig(LogicalType.Integer, strict())
                .withCoercionConfig(LogicalType.Float, strict())
                .withCoercionConfig(LogicalType.Textual, config -> {
                    for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                            CoercionInputShape.Boolean)) {
                        config.setCoercion(shape, CoercionAction.Fail);
                    }
                });
    }

    /** No scalar becomes another kind of scalar; an empty string stays an empty string. */
    private static java.util.function.Consumer<MutableCoercionConfig> strict() {
        return config -> {
            for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString)) {
                config.setCoercion(shape, CoercionAction.Fail);
            }
        };
    }

    public static YAMLMapper yaml() {
        return YAML;
    }

    public static JsonMapper json() {
        return JSON;
    }

    public static String toYaml(Object value) {
        java.io.StringWriter text = new java.io.StringWriter();
        writeYaml(text, value);
        return text.toString();
    }

    public static String toJson(Object value) {
        java.io.StringWriter text = new java.io.StringWriter();
        writeJson(text, value);
        return text.toString();
    }

    /**
     * Writes value as YAML as it goes, without a copy of the whole text (an inventory of thousands of VMs is
     * megabytes); out stays open.
     */
    public static void writeYaml(java.io.Writer out, Object value) {
        write(YAML, out, value, "");
    }

    /** Writes value as indented JSON and a newline, as it goes; out stays open. */
    public static void writeJson(java.io.Writer out, Object value) {
        write(JSON, out, value, "\n");
    }

    private static void write(ObjectMapper mapper, java.io.Writer out, Object value, String after) {
        try {
            mapper.writer().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .writeValue(out, value);
            out.write(after);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JSON on one line, for result files that other tools read as values. */
    public static String toCompactJson(Object value) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Several documents in one YAML stream, separated by ---, as kubectl prints them. */
    public static String toYamlStream(List<?> documents) {
        StringBuilder out = new StringBuilder();
        for (Object document : documents) {
            if (out.length() > 0) {
                out.append("---\n");
            }
            out.append(toYaml(document));
        }
        return out.toString();
    }

    /**
     * Writes text so that readers never see half a file: a temporary sibling first, then an atomic rename.
     */
    public static void writeAtomically(Path target, String text) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temporary = Files.createTempFile(parent, "." + target.getFileName(), ".partial");
            try {
                Files.writeString(temporary, text);
                // Temporary files are private (0600); documents and reports are read by other steps and users.
                if (Files.getFileAttributeView(temporary, PosixFileAttributeView.class) != null) {
                    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
                }
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new VmliftException(ExitCode.BAD_INPUT,
                    "cannot write " + target + ": " + describe(e) + "; choose a writable folder", e);
        }
    }

    /** Creates the folder if needed and proves it writable, or fails with what the user should do. */
    public static void requireWritableFolder(Path folder, String option) {
        try {
            Files.createDirectories(folder);
            Path probe = Files.createTempFile(folder, ".vmlift-write-check", "");
            Files.delete(probe);
        } catch (IOException e) {
            throw new VmliftException(ExitCode.BAD_INPUT, option + " " + folder + " is not a writable folder ("
                    + describe(e) + "); choose a folder you can write to", e);
        }
    }

    /** A short reason for an I/O error, without Java class names where the JDK gives none. */
    public static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? type : e.getMessage();
    }
}
