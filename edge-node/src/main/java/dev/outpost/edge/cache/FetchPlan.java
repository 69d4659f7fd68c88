package dev.outpost.edge.cache;

import java.time.Instant;
import java.util.Optional;

/**
 * What to do with an origin's answer to a fetch, decided from its head alone (pure; {@link #of}), before a byte
 * of the body is read: the I/O side ({@code OriginFetch}) only carries the plan out. The branches, in order:
 * <ol>
 *   <li>a 206 to a range the edge asked for is a {@link Piece};</li>
 *   <li>a 304 to the revalidation of a whole stored copy {@link Refresh}es it;</li>
 *   <li>a 5xx that may not be stored (or that a stale copy may answer instead) is a {@link ServerError};</li>
 *   <li>a storable answer that replaces a stale copy allowed to answer errors is {@link Buffer}ed: read whole and
 *       checked before the client sees a byte, so a broken body can still be answered by that copy;</li>
 *   <li>everything else is {@link Stream}ed to the clients as it arrives, and stored at the end when it may
 *       be.</li>
 * </ol>
 */
public sealed interface FetchPlan {
    /** A 206 to the range the edge asked: read whole, stored as a piece unless {@code notStoredBecause}. */
    record Piece(Optional<String> notStoredBecause) implements FetchPlan {
    }

    /** A 304: the stored copy's headers and freshness are refreshed; the body is the stored one. */
    record Refresh() implements FetchPlan {
    }

    /** A 5xx counted as the origin failing: never stored; a stale copy answers when it may, else it is relayed. */
    record ServerError() implements FetchPlan {
    }

    /** Read whole before answering (see the class comment); stored unless {@code notStoredBecause}. */
    record Buffer(Optional<String> notStoredBecause) implements FetchPlan {
    }

    /**
     * Relayed to the clients as it arrives. {@code storable}: kept in memory (up to the object limit) and stored
     * when whole and checked; otherwise spooled and relayed only, for {@code notStoredBecause}, and
     * {@code lasting} says whether that reason holds for the URL's next answers too (so it is passed for a while).
     */
    record Stream(boolean storable, Optional<String> notStoredBecause, boolean lasting) implements FetchPlan {
        static Stream stored() {
            return new Stream(true, Optional.empty(), false);
        }

        static Stream relayed(String why, boolean lasting) {
            return new Stream(false, Optional.of(why), lasting);
        }
    }

    /**
     * What the fetch was and what came back.
     *
     * @param pass          hit-for-pass: a plain proxy request, never stored
     * @param rangeAsked    the edge asked the origin for a byte range
     * @param stale         the stored copy being revalidated or completed, if any
     * @param status        the answer's status
     * @param headers       the answer's headers
     * @param contentLength its Content-Length, -1 for none
     * @param framed        its end is marked by framing (length, chunked, HTTP/2), not by the connection closing
     * @param responseTime  when its head arrived
     */
    record Facts(boolean pass, boolean rangeAsked, Optional<CachedObject> stale, int status, Fields headers,
            long contentLength, boolean framed, Credentials.Use credentials, boolean cacheSetCookie,
            Instant responseTime, long maxObjectBytes) {
    }

    static FetchPlan of(Facts f) {
        Optional<String> whyNot = f.pass() ? Optional.of("hit-for-pass")
                : Cacheability.whyNotStorable("GET", f.credentials(), f.status(), f.headers(), f.cacheSetCookie());
        if (f.status() == 206 && f.rangeAsked()) {
            // A piece is storable when the whole 200 would be.
            return new Piece(f.pass() ? whyNot : Cacheability.whyNotStorable("GET", f.credentials(), 200,
                    f.headers(), f.cacheSetCookie()));
        }
        boolean staleWhole = f.stale().filter(o -> !o.isPartial()).isPresent();
        if (f.status() == 304 && staleWhole && !f.pass()) {
            return new Refresh();
        }
        boolean staleMayAnswer = !f.pass() && f.stale().filter(o -> o.usableOnError(f.responseTime())).isPresent();
        if (f.status() >= 500 && (f.pass() || staleMayAnswer || whyNot.isPresent())) {
            return new ServerError();
        }
        if (f.pass()) {
            return Stream.relayed("hit-for-pass", false);
        }
        if (whyNot.isPresent()) {
            return Stream.relayed(whyNot.get(), true);
        }
        if (f.contentLength() < 0 && !f.framed()) {
            return Stream.relayed("unknown-length", true); // close-delimited: a short body would look whole
        }
        if (f.contentLength() > f.maxObjectBytes()) {
            return Stream.relayed("too-large", true);
        }
        if (staleMayAnswer && f.contentLength() >= 0) {
            return new Buffer(Optional.empty());
        }
        return Stream.stored();
    }
}
