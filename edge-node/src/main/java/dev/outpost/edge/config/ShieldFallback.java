package dev.outpost.edge.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * When an edge passes a shield over for the next shield and then the origin ({@code origin.shieldFallback},
 * docs/caching-tiers.md "Fallback"). Never for an answer the shield got from the origin: that is the answer.
 */
public enum ShieldFallback {
    /**
     * Only when the shield itself failed: refused the connection, timed out, or refused the request for its own
     * reasons (stopping, internal error, overloaded). A shield that could not reach the origin is believed: its
     * 502/504 (or a stale copy) answers, and the origin is spared this edge's own attempt during an outage.
     */
    @JsonProperty("shield-failure") SHIELD_FAILURE,
    /**
     * Also when the shield reports it could not reach the origin (refused, timed out, circuit open, its origin
     * requests at their cap): this edge's own path to the origin may still work, at the price of one more origin
     * attempt per miss and edge while the origin is failing.
     */
    @JsonProperty("shield-or-origin-unreachable") SHIELD_OR_ORIGIN_UNREACHABLE
}
