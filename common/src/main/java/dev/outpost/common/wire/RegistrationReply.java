package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer to a registration: {@code {"id":"eu-1","appliedSequence":41,"dueSequence":41,
 * "heartbeatIntervalMillis":5000}}.
 *
 * @param appliedSequence the sequence the control plane now counts as applied by the node: the one it reported, or
 *                        the newest in the log when it registered with {@code cacheEmpty}; the node adopts it and
 *                        reports from there in its heartbeats
 * @param dueSequence     the sequence the node must reach before it is steered traffic
 * @param services        the delivery-service configuration as of {@code appliedSequence}, which the node runs
 *                        from then on; absent when the control plane hands out no configuration
 */
public record RegistrationReply(String id, long appliedSequence, long dueSequence, long heartbeatIntervalMillis,
        @JsonInclude(JsonInclude.Include.NON_NULL) ServiceSnapshot services) {
    public RegistrationReply(String id, long appliedSequence, long dueSequence, long heartbeatIntervalMillis) {
        this(id, appliedSequence, dueSequence, heartbeatIntervalMillis, null);
    }
}
