package dev.outpost.edge.origin;

import java.io.IOException;

/** No origin of the delivery service gave a response: refused, reset, or timed out. */
public final class OriginUnreachable extends IOException {
    private final boolean timeout;
    private final boolean busy;

    public OriginUnreachable(String message, boolean timeout, Throwable cause) {
        this(message, timeout, false, cause);
    }

    private OriginUnreachable(String message, boolean timeout, boolean busy, Throwable cause) {
        super(message, cause);
        this.timeout = timeout;
        this.busy = busy;
    }

    /** Not asked at all: the edge's cap on open origin requests was reached and the wait for a place ran out. */
    public static OriginUnreachable busy(String message) {
        return new OriginUnreachable(message, false, true, null);
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
