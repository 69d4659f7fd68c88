package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a fill every client left is read on for the cache ({@code cache.backgroundFillMaxBytes}). */
class BackgroundFillTest {
    private static final long UNLIMITED = Long.MAX_VALUE;

    @Test
    void aStorableBodyKeptInMemoryIsFinishedForTheCacheByDefault() {
        assertThat(StreamedFetch.finishUnread(true, true, 10_000_000, 1024, UNLIMITED)).isTrue();
        assertThat(StreamedFetch.finishUnread(true, true, -1, 1024, UNLIMITED)).isTrue();
    }

    @Test
    void aBodyThatCanNoLongerBeStoredIsGivenUp() {
        assertThat(StreamedFetch.finishUnread(false, true, 1000, 10, UNLIMITED)).as("not storable").isFalse();
        assertThat(StreamedFetch.finishUnread(true, false, -1, 20_000_000, UNLIMITED)).as("spooled: too large")
                .isFalse();
    }

    @Test
    void theLimitIsTheAnnouncedLengthOrElseTheBytesReceivedSoFar() {
        assertThat(StreamedFetch.finishUnread(true, true, 5000, 10, 4999)).isFalse();
        assertThat(StreamedFetch.finishUnread(true, true, 5000, 10, 5000)).isTrue();
        assertThat(StreamedFetch.finishUnread(true, true, -1, 4000, 5000)).as("unknown length, under so far").isTrue();
        assertThat(StreamedFetch.finishUnread(true, true, -1, 5001, 5000)).isFalse();
        assertThat(StreamedFetch.finishUnread(true, true, 1, 0, 0)).as("0: stop when the last client leaves")
                .isFalse();
    }
}
