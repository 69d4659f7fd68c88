package dev.outpost.edge.origin;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happened to each miss the IO thread's client ({@link IoOrigin}) took, counted over the JVM's
 * life and printed at exit when the prototype is on ({@code ioMiss counts: ...}), so a measurement shows which
 * path its misses took; tests read them ({@link #counted}) to check a scenario took the path they test.
 */
public final class IoCounts {
    /** What happened to one miss (or one connection) on this path. */
    public enum Count {
        /** an origin answer handed to the caller (its body whole in memory, or continued elsewhere) */
        ORIGIN_ANSWERED,
        /** a miss whose answer (head and whole body) went out from the IO thread */
        ANSWERED_FROM_IO_THREAD,
        /**
         * a miss whose body was still arriving: its head and the body bytes that came with it went out from the IO
         * thread, the rest from a fetch thread as a filler read it
         */
        HEAD_FROM_IO_THREAD,
        NEW_CONNECTION, REUSED_CONNECTION,
        /** a pooled connection held bytes nobody asked for, or had ended, when taken: closed, another one used */
        UNASKED_BYTES_AT_REUSE,
        /** a pooled connection failed before an answer: sent again on a new one */
        RETRIED_ON_NEW_CONNECTION,
        /** an interim answer (1xx but 101) read past: the final one follows on the same exchange */
        INTERIM_SKIPPED,
        /**
         * a close-delimited answer (no Content-Length, not chunked; HTTP/1.1 or 1.0): its body read from the same
         * connection to the origin's close, and the connection closed after it
         */
        CLOSE_DELIMITED,
        /** bytes beyond an answer's framing were there at its body's end: not stored, connection closed */
        OVERRAN,
        /** the answer went on from its open response on a thread that may block: chunked or close-delimited */
        CONTINUED_UNKNOWN_LENGTH,
        /** ... a Content-Length body over {@link IoOrigin#MAX_BODY} */
        CONTINUED_LARGE_BODY,
        /** ... a small body not whole when a read would have waited for it */
        CONTINUED_SLOW_BODY,
        /** ... a small body whose read failed (its reader reports it, as the blocking client's does) */
        CONTINUED_BODY_BROKEN,
        /**
         * no connection, a failed send (the next origin is asked, or the miss is unreachable); an answer this
         * client cannot read (a bad Content-Length, a 101: the blocking path asks again)
         */
        FALLBACK_CONNECT_FAILED, FALLBACK_SEND_FAILED, FALLBACK_BAD_CONTENT_LENGTH,
        FALLBACK_INTERIM,
        /**
         * the origin's answer started and this client failed to parse a head of more than a few KiB within
         * maxOriginHeaderBytes: not held against the origin's circuit; the blocking path asks again and judges it
         * (smaller or larger unparsable heads are a {@link #BAD_HEAD})
         */
        FALLBACK_UNREADABLE_ANSWER,
        /** no head in time: as the blocking client's timeout (the next origin, or 504), not asked again */
        TIMEOUT_CONNECT, TIMEOUT_HEAD, TIMEOUT_TOTAL,
        /** the first origin's circuit is open: the next origins asked the blocking way, or the miss fails fast */
        CIRCUIT_OPEN,
        /** no origin slot free at once (origin.maxRequests, maxRequestsPerClient): left to the blocking path */
        NO_SLOT_AT_ONCE,
        /** a head the blocking client refuses too (BadAnswers.badHead): the next origin, or 502 */
        BAD_HEAD,
        /** a 5xx from an origin that is not the service's last: the next ones are asked, the blocking way */
        SERVER_ERROR_MORE_ORIGINS,
        /** the first origin gave no usable answer: the others asked the blocking way (not the first again) */
        FAILED_OVER,
        /**
         * a body whole in memory filled on a fetch thread: storing it could have waited (a purge held the store's
         * fence, or direct memory was short)
         */
        FILL_ON_FETCH_THREAD,
        /** the answer could not be written from the IO thread (not a small kept body): relayed the blocking way */
        ANSWER_ELSEWHERE,
        /** the miss did not qualify (stale copy, range, https, shield, not on the IO thread) */
        NOT_ELIGIBLE
    }


    private static final Map<Count, LongAdder> COUNTS = new EnumMap<>(Count.class);

    static {
        for (Count c : Count.values()) {
            COUNTS.put(c, new LongAdder());
        }
        if (Boolean.getBoolean("outpost.ioMissCounts")) { // benchmarks: which paths a run's misses took
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("ioMiss counts: " + counts()),
                    "outpost-iomiss-counts"));
        }
    }

    private IoCounts() {
    }

    public static void count(Count c) {
        COUNTS.get(c).increment();
    }

    /** How many times {@code c} happened so far (in this JVM). */
    public static long counted(Count c) {
        return COUNTS.get(c).sum();
    }

    /** Every count, in declaration order. */
    public static String counts() {
        StringBuilder s = new StringBuilder();
        COUNTS.forEach((c, n) -> s.append(c.name().toLowerCase(Locale.ROOT)).append('=').append(n.sum()).append(' '));
        return s.toString().strip();
    }
}
