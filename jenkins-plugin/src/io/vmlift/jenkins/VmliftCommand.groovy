package io.vmlift.jenkins

import com.cloudbees.groovy.cps.NonCPS

/**
 * The vmlift command line the steps run, and how they read what it writes. No logic of migration lives here:
 * the runner does the work; the library turns named step arguments into its options and its result files into
 * a map.
 */
// Pure functions of their arguments, no steps: @NonCPS, so that they run as plain Groovy in a CPS pipeline.
class VmliftCommand implements Serializable {
    private static final long serialVersionUID = 1L

    /** vmlift's documented exit codes, for messages. */
    static final Map<Integer, String> EXIT_CODES = [1: 'internal error', 2: 'bad input', 3: 'blocked by validation',
            4: 'cannot reach or log in', 5: 'migration or test failed']

    /** One word for sh, in single quotes: nothing in it is expanded. */
    @NonCPS
    static String quote(Object word) {
        return "'" + String.valueOf(word).replace("'", "'\\''") + "'"
    }

    /** runner (e.g. "vmlift" or "java -jar vmlift.jar") is a command prefix and is not quoted; the rest is. */
    @NonCPS
    static String line(String runner, String stage, List<String> args) {
        StringBuilder text = new StringBuilder(runner).append(' ').append(stage)
        for (String arg : args) {
            text.append(' ').append(quote(arg))
        }
        return text.toString()
    }

    /** The variable vmlift reads a Secret key from: VMLIFT_<SECRET>_<KEY>, upper case, other characters as _. */
    @NonCPS
    static String secretVariable(String secretName, String key) {
        return 'VMLIFT_' + upper(secretName) + '_' + upper(key)
    }

    @NonCPS
    private static String upper(String text) {
        return text.toUpperCase(Locale.ROOT).replaceAll('[^A-Z0-9]', '_')
    }

    /** "vm-count" -> "vmCount": result names as Groovy map keys. */
    @NonCPS
    static String camel(String name) {
        StringBuilder out = new StringBuilder()
        boolean up = false
        for (char c : name.toCharArray()) {
            if (c == '-' as char) {
                up = true
            } else {
                out.append(up ? Character.toUpperCase(c) : c)
                up = false
            }
        }
        return out.toString()
    }

    /** A result's text as the step returns it: JSON arrays as lists, "true"/"false" as booleans. */
    @NonCPS
    static Object value(String text) {
        String trimmed = text.trim()
        if (trimmed.startsWith('[')) {
            return new groovy.json.JsonSlurperClassic().parseText(trimmed)
        }
        if (trimmed == 'true' || trimmed == 'false') {
            return Boolean.valueOf(trimmed)
        }
        return trimmed
    }
}
