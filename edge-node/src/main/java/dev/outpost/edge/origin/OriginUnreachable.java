package dev.outpost.edge.origin;

import java.io.IOException;

/** No origin of the delivery service gave a response: refused, reset, timed out, or not asked (busy, down). */
public final class OriginUnreachable extends IOException {
    private final boolean timeout;
    private final boolean busy;
    private final boolean down;

    public OriginUnreachable(String message, boolean timeout, Throwable cause) {
        this(message, timeout, false, false, cause);
    }

    private OriginUnreachable(String message, boolean timeout, boolean busy, boolean down, Throwable cause) {
        super(message, cause);
        this.timeout = timeout;
        this.busy = busy;
        this.down = down;
    }

    /** Not asked at all: the edge's cap on open origin requests was reached and the wait for a place ran out. */
    public static OriginUnreachable busy(String message) {
        return new OriginUnreachable(message, false, true, false, null);
    }

    /** Not asked at all: every origin of the service has an open circuit (answered 503 at once). */
    public static OriginUnreachable down(String message) {
        return new OriginUnreachable(message, false, false, true, null);
    }

    /** True when no origin was asked because every one's circuit breaker is open. */
    public boolean down() {
        return down;
    }

    /** True when no origin request was made because every place for one was taken (answered 503). */
    public boolean busy() {
        return busy;
    }

    /** True when the last attempt timed out (answered 504), false for refused/reset (502). */
    public boolean timeout() {
        return timeout;
    }
}
