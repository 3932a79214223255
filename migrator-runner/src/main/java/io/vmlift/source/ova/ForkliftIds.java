package io.vmlift.source.ova;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The ids Forklift's OVA inventory gives what it finds, so that maps written for Forklift resolve in vmlift.
 * Forklift (cmd/provider-common/inventory/uuid.go, UUIDMap.GetUUID) gob-encodes the value, hashes the bytes
 * with SHA-256 and keeps the first 36 hex digits; a network's value is its name (inventory/convert.go).
 */
final class ForkliftIds {
    /** gob's type id of string (6), as gob writes signed integers: zigzag, so 12. */
    private static final int GOB_STRING_TYPE = 12;

    private ForkliftIds() {}

    /** The id of an OVF network of this name. */
    static String network(String name) {
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        writeUnsigned(message, GOB_STRING_TYPE);
        message.write(0); // a value that is not a struct is sent as field delta 0 (gob's singleton)
        writeUnsigned(message, text.length);
        message.writeBytes(text);
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        writeUnsigned(framed, message.size());
        framed.writeBytes(message.toByteArray());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(framed.toByteArray());
            return HexFormat.of().formatHex(digest).substring(0, 36);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** gob's unsigned integer: below 128 one byte; else the byte count, negated, then the bytes big-endian. */
    private static void writeUnsigned(ByteArrayOutputStream out, long value) {
        if (value < 128) {
            out.write((int) value);
            return;
        }
        int bytes = (64 - Long.numberOfLeadingZeros(value) + 7) / 8;
        out.write(-bytes & 0xff);
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }
}
