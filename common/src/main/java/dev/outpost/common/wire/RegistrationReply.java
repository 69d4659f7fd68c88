package dev.outpost.common.wire;

/**
 * The answer to a registration: the node's id, the sequence it must reach before it is steered traffic, and how
 * often to heartbeat. {@code {"id":"eu-1","dueSequence":41,"heartbeatIntervalMillis":5000}}
 */
public record RegistrationReply(String id, long dueSequence, long heartbeatIntervalMillis) {
}
