package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The memory tier of the {@link CacheStore}: Caffeine bounded by bytes (W-TinyLFU, a weigher counting what an entry
 * holds, and a {@link MemoryAdmission} in front deciding by frequency per byte), one entry per URL key holding that
 * URL's Vary variants (capped, oldest dropped), and a surrogate-key → URL keys index that the removal listener keeps
 * consistent with evictions. Listeners run on the writing thread, so when a write returns the tier is already back
 * under its bound. It knows nothing of purge fencing or of the disk tier: the store decides what may be written
 * and when, and this tier holds it.
 */
final class MemoryTier {
    private final Cache<String, UrlVariants> cache;
    private final MemoryAdmission admission;
    private final int maxVariants;
    private final Map<String, Set<String>> keysByTag = new ConcurrentHashMap<>();
    /** Whether a slice or a sliced object's head was ever held in memory (URL purges then look for them). */
    private volatile boolean holdsSlices;

    /**
     * @param sizeAwareAdmission whether fetched objects pass {@link SizeAwareAdmission} before entering memory
     *                           (false: Caffeine's W-TinyLFU alone, for the bench's comparison)
     */
    MemoryTier(long maxBytes, int maxVariantsPerUrl, boolean sizeAwareAdmission) {
        this.maxVariants = maxVariantsPerUrl;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, UrlVariants v) -> v.weight())
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
        this.admission = new MemoryAdmission(cache, KeyFrequencies.forBytes(maxBytes), sizeAwareAdmission);
    }

    /** Counts a client request for the key's frequency (once per client request, not for the store's own looks). */
    void requested(String key) {
        admission.requested(key);
    }

    /** The variant matching the request, or {@code null}. */
    CachedObject find(String key, Fields requestHeaders) {
        UrlVariants variants = cache.getIfPresent(key);
        if (variants == null) {
            return null;
        }
        CachedObject exact = variants.get(Vary.variant(variants.vary(), requestHeaders));
        return exact != null || !variants.vary().contains("accept-language") ? exact
                : byLanguage(variants, requestHeaders);
    }

    /** The stored variant {@code variant} of the URL key, or {@code null}. */
    CachedObject variant(String key, String variant) {
        UrlVariants variants = cache.getIfPresent(key);
        return variants == null ? null : variants.get(variant);
    }

    /**
     * A variant that differs only in Accept-Language, in the language the request ranks first: made for another
     * spelling of the same preference ({@code de-DE,de;q=0.9} and {@code de}), it is what the origin would send.
     */
    private static CachedObject byLanguage(UrlVariants variants, Fields requestHeaders) {
        List<String> others = new ArrayList<>(variants.vary());
        others.remove("accept-language");
        String rest = Vary.variant(others, requestHeaders);
        for (CachedObject o : variants.objects()) {
            Optional<String> language = o.headers().joined("content-language");
            if (language.isPresent() && Vary.without(o.variant(), "accept-language").equals(rest)
                    && Vary.prefersLanguage(requestHeaders, language.get())) {
                return o;
            }
        }
        return null;
    }

    /**
     * The object as the memory tier may hold it: as it is, or, when its body is a view of a disk read (a mapped
     * file, or a slice of the buffer a small file was read into whole, metadata included), with the body copied to
     * direct memory like a fill's (the memory tier's bound counts body bytes it owns, and a mapping would keep a
     * replaced file's blocks alive); {@code null} when direct memory is full.
     */
    static CachedObject owned(CachedObject o) {
        if (!o.mapped()) {
            return o;
        }
        ByteBuffer body = o.body();
        ByteBuffer copy;
        try {
            copy = ByteBuffer.allocateDirect(body.remaining());
        } catch (OutOfMemoryError e) {
            return null; // no room for it in memory: it stays on disk only
        }
        copy.put(body).flip();
        return new CachedObject(o.key(), o.variant(), o.status(), o.headers(), copy, o.responseTime(),
                o.initialAge(), o.lifetime(), o.staleWhileRevalidate(), o.staleIfError(), o.alwaysRevalidate(),
                o.noStale(), o.invalidated(), o.vary(), o.surrogateKeys(), o.shared(), o.partial());
    }

    /** Whether {@link SizeAwareAdmission} lets a URL not yet in memory enter it. */
    boolean admits(CachedObject object) {
        return admission.admits(object);
    }

    /** Holds {@code object} (one {@link #owned} returned), next to its URL's other variants. */
    void put(CachedObject object) {
        if (!holdsSlices && Slices.belongsTo(object.key(), Slices.objectKeyOf(object.key()))) {
            holdsSlices = true; // from now on a URL purge also looks for the URL's slices in memory
        }
        cache.asMap().compute(object.key(), (k, old) -> old == null || !old.vary().equals(object.vary())
                ? UrlVariants.of(object) : old.with(object, maxVariants));
        for (String tag : object.surrogateKeys()) {
            keysByTag.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(object.key());
        }
    }

    /**
     * Removes (hard) or marks stale (soft) every variant of the URL key and of its sliced form; returns the variants
     * of the URL affected (one sliced object counts once, by its head).
     */
    int purgeUrl(String key, boolean soft) {
        int inMemory = remove(key, soft);
        if (holdsSlices) {
            String head = Slices.headKey(key);
            for (String k : new ArrayList<>(cache.asMap().keySet())) {
                if (Slices.belongsTo(k, key)) {
                    int n = remove(k, soft);
                    inMemory += k.equals(head) ? n : 0; // one sliced object counts once, by its head
                }
            }
        }
        return inMemory;
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    int purgeIf(Predicate<String> keyMatches, boolean soft) {
        int count = 0;
        for (String key : new ArrayList<>(cache.asMap().keySet())) {
            if (keyMatches.test(key)) {
                count += remove(key, soft);
            }
        }
        return count;
    }

    /** Purges every URL whose stored variants carry the surrogate key; returns the variants affected. */
    int purgeTag(String tag, boolean soft) {
        Set<String> keys = keysByTag.getOrDefault(tag, Set.of());
        int count = 0;
        for (String key : new ArrayList<>(keys)) {
            UrlVariants v = cache.getIfPresent(key);
            if (v != null && v.hasTag(tag)) {
                count += remove(key, soft);
            }
        }
        return count;
    }

    private int remove(String key, boolean soft) {
        int[] count = {0};
        cache.asMap().computeIfPresent(key, (k, v) -> {
            count[0] = v.size();
            return soft ? markedStale(v) : null;
        });
        return count[0];
    }

    private static UrlVariants markedStale(UrlVariants v) {
        LinkedHashMap<String, CachedObject> copy = new LinkedHashMap<>();
        v.objects().forEach(o -> copy.put(o.variant(), o.markedStale()));
        return UrlVariants.of(v.vary(), copy);
    }

    private void onRemoval(String key, UrlVariants removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        UrlVariants current = cache.asMap().get(key);
        for (CachedObject o : removed.objects()) {
            for (String tag : o.surrogateKeys()) {
                if (current == null || !current.hasTag(tag)) {
                    keysByTag.computeIfPresent(tag, (t, keys) -> {
                        keys.remove(key);
                        return keys.isEmpty() ? null : keys;
                    });
                }
            }
        }
    }

    /** Bytes held, as the weigher counts them. */
    long bytes() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** Hits since start. */
    long hits() {
        return cache.stats().hitCount();
    }

    /** URL entries held (each may hold several variants). */
    long entries() {
        return cache.estimatedSize();
    }

    long evictions() {
        return cache.stats().evictionCount() + admission.evicted();
    }

    /** Fetched or promoted objects kept out by the size-aware admission, since start. */
    long refusedByAdmission() {
        return admission.refused();
    }

    /** URL keys indexed under a surrogate key. */
    Set<String> keysTagged(String tag) {
        return Set.copyOf(keysByTag.getOrDefault(tag, Set.of()));
    }

    /** Every held variant of every URL. */
    List<CachedObject> objects() {
        List<CachedObject> all = new ArrayList<>();
        cache.asMap().values().forEach(v -> all.addAll(v.objects()));
        return all;
    }

    /** Every URL key held. */
    List<String> keys() {
        return new ArrayList<>(cache.asMap().keySet());
    }
}
