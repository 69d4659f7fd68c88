package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.config.RenamedKeys;
import java.time.Duration;

/**
 * How the control plane gets entries to edges that missed them ({@code delivery} in the control-plane config).
 * Absent keys take the defaults; bad values fail start-up naming their key.
 *
 * @param retryInitial first wait before the control plane pushes again to an edge whose live push failed; default
 *                     250 ms
 * @param retryMax     longest wait between such retries (the wait doubles up to it); default 5 s
 * @param fenceAfter   an edge not heard from for this long is fenced: out of steering, no longer waited for by
 *                     purges (they report it as fenced), and told to revalidate everything it holds when it comes
 *                     back. Must be longer than the edges' lease ({@code controlPlane.lease} in the edge config), so
 *                     a fenced edge that still serves clients already revalidates; default 5 min
 * @param maxTries     pushes of one entry an edge may answer with a server error (it could not apply it) before the
 *                     entry is dead-lettered for that edge: the edge moves on to later entries and an operator
 *                     retries or discards it ({@code /api/v1/dead-letters}). An entry the edge refuses as invalid
 *                     (400, 413, 415, 422) is dead-lettered at once; an edge that does not answer (down,
 *                     partitioned) is never counted, it is fenced after {@code fenceAfter} instead. 1..1000,
 *                     default 8
 */
@RenamedKeys({"retryInitialMillis -> retryInitial (a duration such as 250ms)",
        "retryMaxMillis -> retryMax (a duration such as 5s)", "fenceAfterMillis -> fenceAfter (a duration such as 5m)"})
public record DeliverySettings(Duration retryInitial, Duration retryMax, Duration fenceAfter, Integer maxTries) {
    public static final DeliverySettings DEFAULTS = new DeliverySettings(null, null, null, null);

    /** Settings with the default {@code maxTries}. */
    public DeliverySettings(Duration retryInitial, Duration retryMax, Duration fenceAfter) {
        this(retryInitial, retryMax, fenceAfter, null);
    }

    public DeliverySettings {
        retryInitial = ConfigValues.positive("delivery.retryInitial", retryInitial, Duration.ofMillis(250));
        retryMax = ConfigValues.positive("delivery.retryMax", retryMax, Duration.ofSeconds(5));
        fenceAfter = ConfigValues.positive("delivery.fenceAfter", fenceAfter, Duration.ofMinutes(5));
        maxTries = ConfigValues.between("delivery.maxTries", maxTries, 8, 1, 1000);
        if (retryMax.compareTo(retryInitial) < 0) {
            throw new IllegalArgumentException("delivery.retryMax (" + retryMax + ") must not be shorter than "
                    + "delivery.retryInitial (" + retryInitial + ")");
        }
    }
}
