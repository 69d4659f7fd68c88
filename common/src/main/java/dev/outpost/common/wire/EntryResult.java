package dev.outpost.common.wire;

import java.util.Objects;

/**
 * What an edge reported for an entry it applied from a catch-up page: the JSON answer it would have given to the
 * live call ({@code POST /_edge/prefetch}), e.g. {@code {"stored":1,"notStored":0,"bytes":10,"failures":[]}}.
 * Sent in the next heartbeat, so a push that reached an edge through catch-up still shows that edge's result.
 */
public record EntryResult(long sequence, String result) {
    public EntryResult {
        if (sequence <= 0) {
            throw new IllegalArgumentException("sequence must be > 0, was " + sequence);
        }
        Objects.requireNonNull(result, "result");
    }
}
