package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;

/**
 * A request to send to a delivery service's origins.
 *
 * @param method  request method
 * @param target  normalized path and query, e.g. {@code /a.css?v=1}
 * @param headers end-to-end headers to send (Host is always the origin's)
 * @param body    request body, empty for none
 * @param client  the client's address, for the per-client cap of {@link OriginSlots}
 *                ({@link OriginSlots#EDGE_ITSELF} for the edge's own requests)
 */
public record OriginRequest(String method, String target, Fields headers, byte[] body, String client) {
    public boolean idempotent() {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS" -> true;
            default -> false;
        };
    }
}
