package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a node answers for a {@code config} entry (to the live call {@code POST /_edge/config}, or as an
 * {@link EntryResult} in its next heartbeat when the entry came by catch-up): it now runs configuration
 * {@code version}, or it refused the change and says why. A refused change still counts as applied for the log's
 * order (later entries are not held back by it); the node keeps running its previous configuration and the control
 * plane reports the refusal.
 *
 * <pre>{"version":7,"applied":true}</pre>
 * <pre>{"version":8,"applied":false,"reason":"origin 'http://x' ..."}</pre>
 *
 * @param version the configuration version of the entry
 * @param applied whether the node now runs it
 * @param reason  why not, when refused
 */
public record ConfigResult(long version, boolean applied, @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
    public static ConfigResult applied(long version) {
        return new ConfigResult(version, true, null);
    }

    public static ConfigResult refused(long version, String reason) {
        return new ConfigResult(version, false, reason);
    }
}
