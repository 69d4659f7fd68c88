package dev.outpost.common.http.accesslog;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One access-log line in the JSON format: the same fields, in this order, on every node, {@code null} where a field
 * does not apply (docs/logging.md describes each).
 */
@JsonPropertyOrder({"time", "node", "role", "client", "method", "target", "protocol", "status", "bytesSent",
        "durationMs", "cache", "cacheStatus", "upstreamMs", "traceId", "spanId", "parentSpanId", "userAgent", "host",
        "requestId"})
record AccessLine(String time, String node, String role, String client, String method, String target,
        String protocol, int status, long bytesSent, double durationMs, String cache, String cacheStatus,
        Double upstreamMs, String traceId, String spanId, String parentSpanId, String userAgent, String host,
        String requestId) {
}
