package dev.outpost.edge.cache;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory tier's value for one URL key ({@link CacheStore}): its variants, immutable; a write replaces the whole
 * value. {@code held} is the one variant itself (the common case: no map object per entry) or, with several, an
 * unmodifiable map of them by variant, oldest first.
 */
record UrlVariants(List<String> vary, Object held, int weight) {
    static UrlVariants of(CachedObject object) {
        return new UrlVariants(object.vary(), object, object.weight());
    }

    /** The variant stored for {@code variant}, or {@code null}. */
    CachedObject get(String variant) {
        if (held instanceof CachedObject one) {
            return one.variant().equals(variant) ? one : null;
        }
        return byVariant().get(variant);
    }

    /** The stored variants, oldest first. */
    Collection<CachedObject> objects() {
        return held instanceof CachedObject one ? List.of(one) : byVariant().values();
    }

    int size() {
        return held instanceof CachedObject ? 1 : byVariant().size();
    }

    @SuppressWarnings("unchecked")
    private Map<String, CachedObject> byVariant() {
        return (Map<String, CachedObject>) held;
    }

    UrlVariants with(CachedObject object, int maxVariants) {
        LinkedHashMap<String, CachedObject> copy = new LinkedHashMap<>();
        objects().forEach(o -> copy.put(o.variant(), o));
        copy.remove(object.variant());
        copy.put(object.variant(), object);
        while (copy.size() > maxVariants) {
            copy.remove(copy.keySet().iterator().next());
        }
        return of(vary, copy);
    }

    /** Variants of {@code objects} (by variant, oldest first), held as one when there is one. */
    static UrlVariants of(List<String> vary, Map<String, CachedObject> objects) {
        int w = 0;
        for (CachedObject o : objects.values()) {
            w += o.weight();
        }
        return new UrlVariants(vary, objects.size() == 1 ? objects.values().iterator().next()
                : Collections.unmodifiableMap(objects), w);
    }

    boolean hasTag(String tag) {
        for (CachedObject o : objects()) {
            if (o.surrogateKeys().contains(tag)) {
                return true;
            }
        }
        return false;
    }
}
