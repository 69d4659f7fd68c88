package dev.outpost.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one clock tests move by hand (advance or set), so freshness, staleness, heartbeat timeouts, rate limits,
 * certificate renewals and leases are exact and nothing sleeps. Safe to read from any thread.
 */
public final class ManualClock extends Clock {
    /** Where a clock starts unless a test says otherwise: a fixed instant, so dates in answers are stable. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-10T12:00:00Z");

    private volatile Instant now;

    public ManualClock(Instant start) {
        this.now = start;
    }

    public ManualClock() {
        this(DEFAULT_START);
    }

    public static ManualClock startingAt(String instant) {
        return new ManualClock(Instant.parse(instant));
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    /** Jumps to {@code instant} (also backwards: a clock that was moved far ahead comes back to real time). */
    public void set(Instant instant) {
        now = instant;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
