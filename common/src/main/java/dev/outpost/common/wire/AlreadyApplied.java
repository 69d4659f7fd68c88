package dev.outpost.common.wire;

/**
 * The edge's answer to a live push of an entry it applied before (from its heartbeat catch-up): acknowledged, not
 * applied again. <pre>{"sequence":42,"appliedSequence":45,"alreadyApplied":true}</pre>
 */
public record AlreadyApplied(long sequence, long appliedSequence, boolean alreadyApplied) {
    public AlreadyApplied(long sequence, long appliedSequence) {
        this(sequence, appliedSequence, true);
    }
}
