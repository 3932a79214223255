package io.vmlift;

import java.io.IOException;

/** A failure that may pass if tried again a little later: a server busy (429, 502, 503, 504) or a cut connection. */
public class TransientIOException extends IOException {
    public TransientIOException(String message, Throwable cause) {
        super(message, cause);
    }
}
