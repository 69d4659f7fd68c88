package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The object store: Caffeine bounded by bytes (W-TinyLFU, a weigher counting body + headers), one entry per URL
 * key holding that URL's Vary variants (capped, oldest dropped), and a surrogate-key → URL keys index that the
 * removal listener keeps consistent with evictions. Listeners run on the writing thread, so when a write returns
 * the store is already back under its bound.
 */
public final class CacheStore {
    /** A URL's variants, immutable; a write replaces the whole value. */
    record Variants(List<String> vary, Map<String, CachedObject> byVariant, int weight) {
        static Variants of(CachedObject object) {
            return new Variants(object.vary(), Map.of(object.variant(), object), object.weight());
        }

        Variants with(CachedObject object, int maxVariants) {
            LinkedHashMap<String, CachedObject> copy = new LinkedHashMap<>(byVariant);
            copy.remove(object.variant());
            copy.put(object.variant(), object);
            while (copy.size() > maxVariants) {
                copy.remove(copy.keySet().iterator().next());
            }
            int w = 0;
            for (CachedObject o : copy.values()) {
                w += o.weight();
            }
            return new Variants(vary, Collections.unmodifiableMap(copy), w);
        }

        boolean hasTag(String tag) {
            for (CachedObject o : byVariant.values()) {
                if (o.surrogateKeys().contains(tag)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Cache<String, Variants> cache;
    private final int maxVariants;
    private final Map<String, Set<String>> keysByTag = new ConcurrentHashMap<>();

    public CacheStore(long maxBytes, int maxVariantsPerUrl) {
        this.maxVariants = maxVariantsPerUrl;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Variants v) -> v.weight())
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
    }

    /** The stored variant matching the request's headers, if any. */
    public Optional<CachedObject> lookup(String key, Fields requestHeaders) {
        return Optional.ofNullable(find(key, requestHeaders));
    }

    /** {@link #lookup} without the Optional, for the hit path; {@code null} when nothing matches. */
    public CachedObject find(String key, Fields requestHeaders) {
        Variants variants = cache.getIfPresent(key);
        if (variants == null) {
            return null;
        }
        CachedObject exact = variants.byVariant().get(Vary.variant(variants.vary(), requestHeaders));
        return exact != null || !variants.vary().contains("accept-language") ? exact
                : byLanguage(variants, requestHeaders);
    }

    /**
     * A variant that differs only in Accept-Language, in the language the request ranks first: made for another
     * spelling of the same preference ({@code de-DE,de;q=0.9} and {@code de}), it is what the origin would send.
     */
    private static CachedObject byLanguage(Variants variants, Fields requestHeaders) {
        List<String> others = new ArrayList<>(variants.vary());
        others.remove("accept-language");
        String rest = Vary.variant(others, requestHeaders);
        for (CachedObject o : variants.byVariant().values()) {
            Optional<String> language = o.headers().joined("content-language");
            if (language.isPresent() && Vary.without(o.variant(), "accept-language").equals(rest)
                    && Vary.prefersLanguage(requestHeaders, language.get())) {
                return o;
            }
        }
        return null;
    }

    public void put(CachedObject object) {
        cache.asMap().compute(object.key(), (k, old) -> old == null || !old.vary().equals(object.vary())
                ? Variants.of(object) : old.with(object, maxVariants));
        for (String tag : object.surrogateKeys()) {
            keysByTag.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(object.key());
        }
    }

    /** Removes (hard) or marks stale (soft) every variant of the URL key; returns the variants affected. */
    public int purge(String key, boolean soft) {
        int[] count = {0};
        cache.asMap().computeIfPresent(key, (k, v) -> {
            count[0] = v.byVariant().size();
            return soft ? markedStale(v) : null;
        });
        return count[0];
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        int count = 0;
        for (String key : new ArrayList<>(cache.asMap().keySet())) {
            if (keyMatches.test(key)) {
                count += purge(key, soft);
            }
        }
        return count;
    }

    /** Purges every URL whose stored variants carry the surrogate key; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        Set<String> keys = keysByTag.getOrDefault(tag, Set.of());
        int count = 0;
        for (String key : new ArrayList<>(keys)) {
            Variants v = cache.getIfPresent(key);
            if (v != null && v.hasTag(tag)) {
                count += purge(key, soft);
            }
        }
        return count;
    }

    private static Variants markedStale(Variants v) {
        LinkedHashMap<String, CachedObject> copy = new LinkedHashMap<>();
        v.byVariant().forEach((k, o) -> copy.put(k, o.markedStale()));
        return new Variants(v.vary(), Collections.unmodifiableMap(copy), v.weight());
    }

    private void onRemoval(String key, Variants removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        Variants current = cache.asMap().get(key);
        for (CachedObject o : removed.byVariant().values()) {
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
    public long bytes() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** URL entries held (each may hold several variants). */
    public long entries() {
        return cache.estimatedSize();
    }

    public long evictions() {
        return cache.stats().evictionCount();
    }

    /** URL keys indexed under a surrogate key (for tests and the admin API). */
    public Set<String> keysTagged(String tag) {
        return Set.copyOf(keysByTag.getOrDefault(tag, Set.of()));
    }

    /** Every stored variant of every URL, for audits and the attack tests. */
    public List<CachedObject> objects() {
        List<CachedObject> all = new ArrayList<>();
        cache.asMap().values().forEach(v -> all.addAll(v.byVariant().values()));
        return all;
    }

    /** Every URL key held, for purge by prefix or host. */
    public List<String> keys() {
        return new ArrayList<>(cache.asMap().keySet());
    }
}
