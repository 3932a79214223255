package io.vmlift.conversion;

import java.util.List;

/**
 * What a guest conversion did, in virt-v2v's own words: its warnings, its notes (what it installed, found or
 * will do at first boot), and whether the guest has virtio drivers now.
 */
public record ConversionReport(String tool, long seconds, List<String> warnings, List<String> notes,
        boolean virtioDrivers) {}
