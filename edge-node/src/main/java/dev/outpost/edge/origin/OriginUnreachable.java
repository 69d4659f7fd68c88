package dev.outpost.edge.origin;

import java.io.IOException;

/** No origin of the delivery service gave a response: refused, reset, or timed out. */
public final class OriginUnreachable extends IOException {
    private final boolean timeout;

    public OriginUnreachable(String message, boolean timeout, Throwable cause) {
        super(message, cause);
        this.timeout = timeout;
    }

    /** True when the last attempt timed out (answered 504), false for refused/reset (502). */
    public boolean timeout() {
        return timeout;
    }
}
