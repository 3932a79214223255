package io.vmlift.spi;

/**
 * A source network interface.
 *
 * @param mac null when the source does not say (OVF allows it); the target then gets a generated one
 * @param network the name of the source network it is attached to
 * @param model the source adapter model (e1000, vmxnet3, virtio, ...)
 */
public record Nic(String name, String mac, String network, String networkId, String model) {}
