package io.vmlift;

/**
 * An error a user can act on: one line saying what was wrong, where, and how to fix it.
 * The CLI prints {@link #getMessage()} alone (no stack trace unless --debug) and exits with {@link #exitCode()}.
 */
public class VmliftException extends RuntimeException {
    private final ExitCode exitCode;

    public VmliftException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public VmliftException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static VmliftException badInput(String message) {
        return new VmliftException(ExitCode.BAD_INPUT, message);
    }

    public static VmliftException badInput(String message, Throwable cause) {
        return new VmliftException(ExitCode.BAD_INPUT, message, cause);
    }
}
