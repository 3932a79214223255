package io.vmlift.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded document and where it came from, so any later error can point at file:line.
 *
 * @param lines the line of each field, keyed by JSON pointer (e.g. /spec/vms/0/name)
 */
public record Located<T extends Document>(T document, Path file, int line, Map<String, Integer> lines) {

    /** file:line of the document itself. */
    public String where() {
        return file + ":" + line;
    }

    /** file:line of a field, or of the nearest enclosing field that exists. */
    public String where(String pointer) {
        return file + ":" + lineOf(lines, pointer, line);
    }

    /**
     * The line of the field at pointer, or of its nearest enclosing field in the index, or fallback.
     * Jackson's own locations can lie past the field (it buffers record properties); the index cannot.
     */
    public static int lineOf(Map<String, Integer> lines, String pointer, int fallback) {
        String current = pointer;
        while (!current.isEmpty()) {
            Integer found = lines.get(current);
            if (found != null) {
                return found;
            }
            current = current.substring(0, current.lastIndexOf('/'));
        }
        return fallback;
    }

    public String describe() {
        return document.kind() + " '" + document.name() + "'";
    }
}
