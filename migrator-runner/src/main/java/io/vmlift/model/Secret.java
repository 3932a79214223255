package io.vmlift.model;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** core/v1 Secret holding provider credentials with Forklift's keys. toString never shows values. */
public record Secret(
        String apiVersion,
        String kind,
        ObjectMeta metadata,
        String type,
        Boolean immutable,
        Map<String, String> data,
        Map<String, String> stringData)
        implements Document {

    public static final String KIND = "Secret";

    /** The value of a key, from stringData or base64 data, or null. */
    public String value(String key) {
        if (stringData != null && stringData.containsKey(key)) {
            return stringData.get(key);
        }
        if (data != null && data.containsKey(key)) {
            return new String(Base64.getDecoder().decode(data.get(key).trim()), StandardCharsets.UTF_8);
        }
        return null;
    }

    @Override
    public String toString() {
        return "Secret[" + (metadata == null ? "?" : metadata.name()) + ", values hidden]";
    }
}
