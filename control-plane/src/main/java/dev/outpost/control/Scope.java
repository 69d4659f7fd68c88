package dev.outpost.control;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What an API token may do. {@code admin} implies every other scope; {@code node} is what edges and origins use to
 * register, heartbeat and send change notices. {@code purge:all} is what emptying a whole host or everything takes
 * (on top of an explicit confirmation in the request); it implies {@code purge}. {@code steering} reads only the
 * steering state ({@code GET /api/v1/steering/state}): what a steering replica in another region is given, so its
 * token can neither purge nor list purges. {@code config} changes delivery services ({@code PUT}, {@code DELETE} and
 * rollback under {@code /api/v1/services}) and sees their signing secrets; a change that needs a purge purges
 * without {@code purge} scope (the purge is part of the change). {@code enroll} makes join tokens for node ids the
 * control plane does not know yet and nothing else: what a deployment hands to nodes that enrol themselves (scaled
 * edges), so a node holding it can neither purge nor take over another node's identity.
 */
public enum Scope {
    @JsonProperty("read") READ,
    @JsonProperty("purge") PURGE,
    @JsonProperty("purge:all") PURGE_ALL,
    @JsonProperty("push") PUSH,
    @JsonProperty("node") NODE,
    @JsonProperty("steering") STEERING,
    @JsonProperty("config") CONFIG,
    @JsonProperty("enroll") ENROLL,
    @JsonProperty("admin") ADMIN;

    public String wireName() {
        return this == PURGE_ALL ? "purge:all" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
