package io.vmlift.source.ova;

import java.io.IOException;

/** An OVF that cannot be read as written: the message says where and what. */
final class OvfException extends IOException {
    OvfException(String message) {
        super(message);
    }
}
