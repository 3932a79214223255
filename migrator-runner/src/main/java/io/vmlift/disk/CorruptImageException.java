package io.vmlift.disk;

import java.io.IOException;

/** The bytes of an image do not follow its format: truncated, bad magic, bad table, bad compressed data. */
public class CorruptImageException extends IOException {
    public CorruptImageException(String message) {
        super(message);
    }

    public CorruptImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
