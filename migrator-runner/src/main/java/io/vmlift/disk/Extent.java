package io.vmlift.disk;

/** A run of a virtual disk that holds data: [offset, offset + length). Everything else reads as zeros. */
public record Extent(long offset, long length) {
    public long end() {
        return offset + length;
    }
}
