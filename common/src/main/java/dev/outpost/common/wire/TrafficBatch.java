package dev.outpost.common.wire;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An edge's traffic counters since its previous batch, riding in a heartbeat ({@link Heartbeat#traffic}), per minute
 * of the edge's clock, delivery service and status class:
 * <pre>{"epoch":"3f0c…","batch":17,"counts":[{"minute":1767225600000,"service":"www","statusClass":"2xx",
 * "requests":120,"hits":110,"bytes":523000}]}</pre>
 * A batch is sealed once and sent again unchanged (same {@code epoch} and {@code batch}) until a heartbeat carrying it
 * is answered, so the control plane counts each batch once: it keeps, per node, the highest batch of the node's
 * current epoch it counted and ignores any at or below it. {@code epoch} names the edge process (a restarted edge
 * starts a new epoch at batch 1).
 *
 * @param epoch  the edge process's random id, 1..64 of {@code [A-Za-z0-9-]}
 * @param batch  the batch number within the epoch, from 1, one more per batch
 * @param counts at most {@link #MAX_COUNTS} rows
 */
public record TrafficBatch(String epoch, long batch, List<TrafficCount> counts) {
    public static final int MAX_COUNTS = 10_000;
    private static final Pattern EPOCH = Pattern.compile("[A-Za-z0-9-]{1,64}");

    public TrafficBatch {
        if (epoch == null || !EPOCH.matcher(epoch).matches()) {
            throw new IllegalArgumentException("traffic.epoch must be 1..64 letters, digits or '-', was '" + epoch
                    + "'");
        }
        if (batch <= 0) {
            throw new IllegalArgumentException("traffic.batch must be > 0, was " + batch);
        }
        counts = counts == null ? List.of() : List.copyOf(counts);
        if (counts.size() > MAX_COUNTS) {
            throw new IllegalArgumentException("traffic.counts: at most " + MAX_COUNTS + " per batch, were "
                    + counts.size());
        }
    }

    /**
     * One row: requests answered in {@code minute} (epoch milliseconds, a whole minute) for {@code service} with a
     * status of {@code statusClass} ({@code 1xx}..{@code 5xx}), how many of them were hits (answered from the
     * cache: fresh or stale), and the response bytes sent.
     */
    public record TrafficCount(long minute, String service, String statusClass, long requests, long hits,
            long bytes) {
        public TrafficCount {
            if (minute <= 0 || minute % 60_000 != 0) {
                throw new IllegalArgumentException("traffic minute must be a whole minute in epoch milliseconds, was "
                        + minute);
            }
            if (service == null || service.isEmpty() || service.length() > 128) {
                throw new IllegalArgumentException("traffic service must be 1..128 characters");
            }
            if (statusClass == null || !statusClass.matches("[1-5]xx")) {
                throw new IllegalArgumentException("traffic statusClass must be 1xx..5xx, was '" + statusClass + "'");
            }
            if (requests < 0 || hits < 0 || hits > requests || bytes < 0) {
                throw new IllegalArgumentException("traffic counts must be >= 0 with hits <= requests, were "
                        + requests + " requests, " + hits + " hits, " + bytes + " bytes");
            }
        }
    }
}
