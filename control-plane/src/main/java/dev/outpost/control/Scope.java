package dev.outpost.control;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What an API token may do. {@code admin} implies every other scope; {@code node} is what edges and origins use to
 * register, heartbeat and send change notices.
 */
public enum Scope {
    @JsonProperty("read") READ,
    @JsonProperty("purge") PURGE,
    @JsonProperty("push") PUSH,
    @JsonProperty("node") NODE,
    @JsonProperty("admin") ADMIN;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
