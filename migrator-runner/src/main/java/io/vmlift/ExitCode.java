package io.vmlift;

/**
 * The documented process exit codes. Pipelines gate on these numbers, so they never change meaning.
 */
public enum ExitCode {
    OK(0, "success"),
    INTERNAL(1, "internal error (a bug: rerun with --debug and report it)"),
    BAD_INPUT(2, "bad input: documents, flags, files or disk images, or a plan naming VMs the source lacks"),
    BLOCKED(3, "blocked by validation: Critical concerns about the VMs, maps or target"),
    UNREACHABLE(4, "cannot reach or log in to the source or the target"),
    FAILED(5, "migration or test failed");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
