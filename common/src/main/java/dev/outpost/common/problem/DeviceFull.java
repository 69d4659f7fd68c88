package dev.outpost.common.problem;

import java.io.IOException;

/**
 * Tells a write that failed because its device (or the user's quota on it) is full from other I/O failures. Java
 * reports ENOSPC and EDQUOT only as an {@link IOException} carrying the C library's message, so this reads the
 * message, through the causes (an {@link java.io.UncheckedIOException} wraps one). A full device is an operator's
 * matter with its own answer in every node (the origin's 507, the edge's disk tier and spool giving way), not a
 * fault of the code.
 */
public final class DeviceFull {
    private DeviceFull() {
    }

    /** Whether {@code failure}, or one of its causes, is an {@link IOException} saying the device is full. */
    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof IOException && message != null
                    && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
