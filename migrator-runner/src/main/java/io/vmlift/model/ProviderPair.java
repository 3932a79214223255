package io.vmlift.model;

/** The source and destination providers of a map or plan. */
public record ProviderPair(ObjectReference source, ObjectReference destination) {}
