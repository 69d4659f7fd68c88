package dev.outpost.control;

/**
 * How the control plane gets entries to edges that missed them ({@code delivery} in the control-plane config).
 * Absent keys (0) take the defaults; bad values fail start-up naming their key.
 *
 * @param retryInitialMillis first wait before the control plane pushes again to an edge whose live push failed
 * @param retryMaxMillis     longest wait between such retries (the wait doubles up to it)
 * @param fenceAfterMillis   an edge not heard from for this long is fenced: out of steering, no longer waited for
 *                           by purges (they report it as fenced), and told to revalidate everything it holds when
 *                           it comes back. Must be longer than the edges' lease ({@code controlPlane.lease} in the
 *                           edge config), so a fenced edge that still serves clients already revalidates.
 */
public record DeliverySettings(long retryInitialMillis, long retryMaxMillis, long fenceAfterMillis) {
    public static final DeliverySettings DEFAULTS = new DeliverySettings(0, 0, 0);

    public DeliverySettings {
        retryInitialMillis = retryInitialMillis == 0 ? 250 : retryInitialMillis;
        retryMaxMillis = retryMaxMillis == 0 ? 5_000 : retryMaxMillis;
        fenceAfterMillis = fenceAfterMillis == 0 ? 5 * 60_000 : fenceAfterMillis;
        if (retryInitialMillis < 0 || retryMaxMillis < 0 || fenceAfterMillis < 0) {
            throw new IllegalArgumentException("delivery: retryInitialMillis, retryMaxMillis and fenceAfterMillis "
                    + "must be > 0, were " + retryInitialMillis + ", " + retryMaxMillis + ", " + fenceAfterMillis);
        }
        if (retryMaxMillis < retryInitialMillis) {
            throw new IllegalArgumentException("delivery.retryMaxMillis (" + retryMaxMillis + ") must not be "
                    + "shorter than delivery.retryInitialMillis (" + retryInitialMillis + ")");
        }
    }
}
