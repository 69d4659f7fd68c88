package dev.outpost.common.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** When a certificate must be renewed; pure, so the renewing loop is tested with a fake clock. */
public final class Renewal {
    private Renewal() {
    }

    /**
     * True when {@code cert} expires within {@code margin} of {@code now} (or already has), or is not valid yet: a
     * node renews then, swapping the new certificate into its {@link SniKeyManager} without a restart.
     */
    public static boolean needsRenewal(X509Certificate cert, Instant now, Duration margin) {
        if (margin.isNegative()) {
            throw new IllegalArgumentException("renewal margin must be >= 0, was " + margin);
        }
        return !now.plus(margin).isBefore(cert.getNotAfter().toInstant())
                || now.isBefore(cert.getNotBefore().toInstant());
    }
}
