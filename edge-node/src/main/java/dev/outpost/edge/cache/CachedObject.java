package dev.outpost.edge.cache;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One stored response: status, the headers clients get (hop-by-hop and CDN-only fields already removed), an
 * immutable body, and the freshness facts fixed when it was received (RFC 9111 §4.2). Immutable; a refresh or a
 * soft purge makes a new one.
 *
 * @param key             the URL cache key (variants of one URL share it)
 * @param variant         the normalized values of the request headers named by {@code vary}
 * @param status          response status
 * @param headers         origin response headers minus framing, Age and Set-Cookie; CDN-only fields are kept here
 *                        for refreshes and left out when serving
 * @param body            read-only body; serve {@link #body()} which returns an independent view
 * @param responseTime    when the response was received
 * @param initialAge      corrected_initial_age of RFC 9111 §4.2.3
 * @param lifetime        freshness lifetime
 * @param staleWhileRevalidate window after expiry in which stale is served while one refresh runs
 * @param staleIfError    window after expiry in which stale is served when the origin fails
 * @param alwaysRevalidate no-cache: every use needs a successful revalidation
 * @param noStale         no-cache / must-revalidate / proxy-revalidate (or s-maxage alone): never served stale
 * @param invalidated     soft-purged: treated as stale whatever its age
 * @param vary            request header names (lower case) the response varies on
 * @param surrogateKeys   tags from Surrogate-Key, for purge by tag
 * @param shared          the origin marked it fit for any client ({@code public} / {@code s-maxage}), or it was
 *                        stored for a request with credentials: it may answer requests with credentials
 * @param partial         the pieces held of a representation received in parts (status 206, empty body);
 *                        {@link Partial#NONE} for a whole object
 * @param mapped          the body is a view of a disk-tier read ({@link DiskTier}): a read-only mapping of its
 *                        file, or a slice of the buffer a small file was read into whole; served as it is, but
 *                        copied before the memory tier holds it (which counts only body memory it owns)
 */
public record CachedObject(String key, String variant, int status, Fields headers, ByteBuffer body,
        Instant responseTime, Duration initialAge, Duration lifetime, Duration staleWhileRevalidate,
        Duration staleIfError, boolean alwaysRevalidate, boolean noStale, boolean invalidated, List<String> vary,
        Set<String> surrogateKeys, boolean shared, Partial partial, boolean mapped) {

    /** An object whose body is in memory (not a mapped file). */
    public CachedObject(String key, String variant, int status, Fields headers, ByteBuffer body,
            Instant responseTime, Duration initialAge, Duration lifetime, Duration staleWhileRevalidate,
            Duration staleIfError, boolean alwaysRevalidate, boolean noStale, boolean invalidated, List<String> vary,
            Set<String> surrogateKeys, boolean shared, Partial partial) {
        this(key, variant, status, headers, body, responseTime, initialAge, lifetime, staleWhileRevalidate,
                staleIfError, alwaysRevalidate, noStale, invalidated, vary, surrogateKeys, shared, partial, false);
    }

    public CachedObject {
        // The body is held as the buffer spanning exactly its bytes (the caller's, when it does; else a slice of
        // it): no read-only view is kept per entry (64 B), every reader gets its own from body(). The caller hands
        // the buffer over: it neither writes it nor moves its position or limit afterwards.
        body = body.position() == 0 && body.limit() == body.capacity() ? body : body.slice();
        headers = headers.forStorage();
        initialAge = SharedValues.duration(initialAge);
        lifetime = SharedValues.duration(lifetime);
        staleWhileRevalidate = SharedValues.duration(staleWhileRevalidate);
        staleIfError = SharedValues.duration(staleIfError);
        vary = List.copyOf(vary);
        surrogateKeys = Set.copyOf(surrogateKeys);
    }

    /** A read-only view of the body sharing its bytes: no copy, one view per call, as the hit path needs one. */
    @Override
    public ByteBuffer body() {
        return body.asReadOnlyBuffer().clear();
    }

    /**
     * The body buffer itself, for a copy of this object made in this package: passing it on instead of a
     * {@link #body()} view keeps the copy from holding a view of its own. Reset to span the whole body first, in
     * case the caller that handed it over moved it since (nothing here reads its position or limit).
     */
    ByteBuffer heldBody() {
        return body.clear();
    }

    public int length() {
        return body.capacity();
    }

    /**
     * Bytes this entry costs in memory, what the store's bound counts: the body (or pieces), the headers' heap
     * ({@link Fields#heapBytes}), the key's and variant's text and {@link #ENTRY_BYTES} of objects every entry has.
     */
    public int weight() {
        return body.capacity() + (int) partial.held() + headers.heapBytes() + key.length()
                + (variant.isEmpty() ? 0 : STRING_BYTES + variant.length()) + ENTRY_BYTES
                + PIECE_BYTES * partial.pieces().size() + ownBytes(initialAge) + ownBytes(lifetime)
                + ownBytes(staleWhileRevalidate) + ownBytes(staleIfError);
    }

    /** A duration's object, unless it is shared with other entries ({@link SharedValues#duration}). */
    private static int ownBytes(Duration d) {
        return SharedValues.isShared(d) ? 0 : DURATION_BYTES;
    }

    /**
     * Heap bytes of the objects every stored entry holds beside its headers and text, on a 64-bit JVM with
     * compressed pointers: this record (72); the body's direct buffer, its cleaner and deallocator (136) plus the
     * native allocator's header (16); the receive time (24); the key's string object (40); the store's per-URL
     * value (24; the variant itself when it is the URL's only one, else a map); Caffeine's node, its hash table's
     * node and slot (80). Durations are charged apart, each unless shared ({@link SharedValues}). Measured by the
     * bench's {@code EntryCost} against {@link #weight()}: the weigher must never charge less than an entry holds,
     * or the configured bound is not one.
     */
    static final int ENTRY_BYTES = 392;
    /** A {@link Duration} object. */
    private static final int DURATION_BYTES = 24;
    /** A string object with its byte array's header. */
    private static final int STRING_BYTES = 40;
    /** A held piece of a partial object: its record and its buffer view. */
    private static final int PIECE_BYTES = 88;

    /** Only some bytes of the representation are held ({@link #partial}). */
    public boolean isPartial() {
        return partial.isPartial();
    }

    /** current_age of RFC 9111 §4.2.3: initial age plus time resident here. */
    public Duration age(Instant now) {
        return Duration.ofNanos(ageNanos(now));
    }

    /**
     * {@link #age} in nanoseconds, computed without allocating: the hit path asks for it on every request.
     * Saturates instead of overflowing (ages and lifetimes beyond ~146 years compare as equal, never wrap).
     */
    public long ageNanos(Instant now) {
        long resident = Math.max(0, nanosBetween(responseTime, now));
        return saturatedAdd(nanos(initialAge), resident);
    }

    /** Whole seconds of {@link #age} (what the Age header carries). */
    public long ageSeconds(Instant now) {
        return ageNanos(now) / 1_000_000_000L;
    }

    /** Freshness lifetime minus current age, in nanoseconds; negative once stale. */
    public long freshnessLeftNanos(Instant now) {
        return nanos(lifetime) - ageNanos(now);
    }

    public boolean isFresh(Instant now) {
        return !invalidated && ageNanos(now) < nanos(lifetime);
    }

    /** How long past its freshness lifetime it is (zero while fresh; soft-purged counts from the purge). */
    public Duration staleness(Instant now) {
        return Duration.ofNanos(stalenessNanos(now));
    }

    /** {@link #staleness} in nanoseconds, without allocating. */
    public long stalenessNanos(Instant now) {
        return Math.max(0, -freshnessLeftNanos(now));
    }

    /**
     * Whether it may be served when the origin fails (stale-if-error or the configured default); a stored error
     * (a 5xx with explicit freshness) never stands in for another.
     */
    public boolean usableOnError(Instant now) {
        return !noStale && status < 500 && stalenessNanos(now) <= nanos(staleIfError);
    }

    /** Largest magnitude used: far beyond any real age or lifetime, and two of them still add without overflow. */
    private static final long MAX_NANOS = Long.MAX_VALUE / 4;

    static long nanos(Duration d) {
        if (d.getSeconds() >= MAX_NANOS / 1_000_000_000L) {
            return MAX_NANOS;
        }
        if (d.getSeconds() <= -(MAX_NANOS / 1_000_000_000L)) {
            return -MAX_NANOS;
        }
        return d.toNanos();
    }

    private static long nanosBetween(Instant from, Instant to) {
        long seconds = to.getEpochSecond() - from.getEpochSecond();
        if (Math.abs(seconds) >= MAX_NANOS / 1_000_000_000L) {
            return seconds > 0 ? MAX_NANOS : -MAX_NANOS;
        }
        return seconds * 1_000_000_000L + (to.getNano() - from.getNano());
    }

    private static long saturatedAdd(long a, long b) {
        return Math.min(MAX_NANOS, a + b); // both within ±MAX_NANOS: the sum cannot overflow
    }

    public Optional<String> etag() {
        return headers.first("etag");
    }

    public Optional<String> lastModified() {
        return headers.first("last-modified");
    }

    public boolean hasValidators() {
        return etag().isPresent() || lastModified().isPresent();
    }

    /** A soft-purged copy: stays servable on error, revalidated on next use. */
    public CachedObject markedStale() {
        return new CachedObject(key, variant, status, headers, heldBody(), responseTime, initialAge, lifetime,
                staleWhileRevalidate, staleIfError, alwaysRevalidate, noStale, true, vary, surrogateKeys, shared, partial,
                mapped);
    }
}
