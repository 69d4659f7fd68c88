package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * {@link DiskTier}'s index: URL key → its variants' files ({@link DiskSlots}), a Caffeine cache weighted by file
 * bytes, so disk space is managed by W-TinyLFU (a frequency sketch admits a new object only if it is asked for more
 * often than the victim, which keeps a skewed working set on disk where LRU lets one scan of cold objects flush it).
 * Its removal listener deletes the files a removal or an eviction leaves behind. Rebuilt at open from the files a
 * {@link DiskDirectory#scan} found ({@link #restore}): there is no journal to get out of step with them.
 */
final class DiskIndex {
    private final int maxVariants;
    private final Cache<String, DiskSlots> cache;
    /** Whether a slice or a sliced object's head was ever indexed (a URL purge then walks the index for them). */
    private volatile boolean holdsSlices;

    DiskIndex(long maxBytes, int maxVariants) {
        this.maxVariants = maxVariants;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, DiskSlots s) -> (int) Math.min(Integer.MAX_VALUE, s.bytes()))
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
    }

    /**
     * Indexes the whole files a start found, oldest write first (a newer copy of a variant replaces an older one);
     * returns the stamp the next write must come after (0 when none was found).
     */
    long restore(List<DiskDirectory.Found> found) {
        long stamps = 0;
        for (DiskDirectory.Found f : found) {
            stamps = Math.max(stamps, f.head().stamp() + 1);
            add(f.head().object(), f.file(), f.head().fileBytes(), true);
        }
        return stamps;
    }

    /** Indexes {@code o}'s file (restored: found at start, written by an earlier run). */
    void add(CachedObject o, Path file, long bytes, boolean restored) {
        if (!holdsSlices && !Slices.objectKeyOf(o.key()).equals(o.key())) {
            holdsSlices = true; // set before the index holds it: a purge that can find the slice also walks for it
        }
        // A file written by this run is in the page cache as written; one found at start is checked once against its
        // body checksum, on its first read (a machine crash may have left a name over blocks never written).
        DiskSlot slot = new DiskSlot(o.variant(), file, bytes, Set.copyOf(o.surrogateKeys()), o.invalidated(), restored,
                new AtomicInteger(), new AtomicBoolean(!restored));
        cache.asMap().compute(o.key(), (k, old) -> old == null ? new DiskSlots(o.vary(), Map.of(o.variant(), slot))
                : old.with(o.vary(), slot, maxVariants));
    }

    /** The variant of {@code key} matching the request, or {@code null}; a use of the key (W-TinyLFU counts it). */
    DiskSlot find(String key, Fields requestHeaders) {
        DiskSlots slots = cache.getIfPresent(key);
        return slots == null ? null : slots.byVariant().get(Vary.variant(slots.vary(), requestHeaders));
    }

    /** Drops {@code slot} (a file found unreadable), unless another file took its variant's place meanwhile. */
    void drop(String key, DiskSlot slot) {
        cache.asMap().computeIfPresent(key, (k, s) -> s.byVariant().get(slot.variant()) == slot
                ? s.without(slot.variant()) : s);
    }

    /** The variants of {@code key}, without counting it as a use (a purge is no use of the object). */
    DiskSlots peek(String key) {
        return cache.policy().getIfPresentQuietly(key);
    }

    /** Removes {@code key} (the removal listener deletes its files); what it held, or {@code null}. */
    DiskSlots remove(String key) {
        return cache.asMap().remove(key);
    }

    /** Replaces {@code key}'s variants by what {@code change} makes of them ({@code null}: removed), if held. */
    void change(String key, BiFunction<String, DiskSlots, DiskSlots> change) {
        cache.asMap().computeIfPresent(key, change);
    }

    /** The URL keys held (a live view). */
    Set<String> keys() {
        return cache.asMap().keySet();
    }

    boolean holdsSlices() {
        return holdsSlices;
    }

    /** Deletes the files of removed variants that the current value (after a replacement) does not hold. */
    private void onRemoval(String key, DiskSlots removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        DiskSlots current = cache.asMap().get(key);
        for (DiskSlot s : removed.byVariant().values()) {
            DiskSlot now = current == null ? null : current.byVariant().get(s.variant());
            if (now == null || !now.file().equals(s.file())) {
                DiskDirectory.delete(s.file());
            }
        }
    }

    /** Bytes of the object files held. */
    long bytes() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** The bound on {@link #bytes}. */
    long maxBytes() {
        return cache.policy().eviction().orElseThrow().getMaximum();
    }

    /**
     * Sets the bound on {@link #bytes} ({@link DiskSpace}: less than {@code cache.disk.maxBytes} while the file
     * system is short of space); lowering it evicts at once, in W-TinyLFU's order, and the removal listener deletes
     * the files.
     */
    void bound(long maxBytes) {
        var eviction = cache.policy().eviction().orElseThrow();
        if (eviction.getMaximum() != maxBytes) {
            eviction.setMaximum(maxBytes);
        }
    }

    /** URL keys held. */
    long entries() {
        return cache.estimatedSize();
    }

    long evictions() {
        return cache.stats().evictionCount();
    }
}
