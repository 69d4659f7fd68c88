package dev.outpost.control.registry;

import java.time.Clock;
import java.time.Instant;

/**
 * The instant a node's silence is measured to: the control plane's clock while it takes connections, and the
 * instant it stopped taking them once it is stopping ({@link #stop}). A control plane that drains refuses new
 * connections, so heartbeats cannot reach it any more; the silence that follows says nothing about the nodes. Judged
 * anyway, it marked serving edges down in its last seconds, and steering replicas, which keep the last state they
 * got while the control plane is away, then sent every client of those regions elsewhere until it came back
 * (docs/control-plane.md, "Stopping").
 */
final class Hearing {
    private final Clock clock;
    private volatile Instant stoppedAt;

    Hearing(Clock clock) {
        this.clock = clock;
    }

    /** Now, or the instant this control plane stopped hearing nodes. */
    Instant now() {
        Instant stopped = stoppedAt;
        return stopped != null ? stopped : clock.instant();
    }

    /** From now on nothing more is heard: silence stops counting (once; later calls change nothing). */
    synchronized void stop() {
        if (stoppedAt == null) {
            stoppedAt = clock.instant();
        }
    }

    boolean stopped() {
        return stoppedAt != null;
    }
}
