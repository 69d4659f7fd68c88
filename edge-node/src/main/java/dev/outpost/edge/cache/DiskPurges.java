package dev.outpost.edge.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * {@link DiskTier}'s purges, on the files and on the writes still queued. Hard purges unlink files (the index's
 * removal listener) and flush their directories before they return, so the applied sequence recorded after them
 * never runs ahead of the disk; soft ones set the soft-purge byte of each file, flushed. A queued write is checked
 * against the store's purge fence by its own lookups and publishing; a hard purge also drops it from the queue
 * here, so its memory is released and it is not written.
 */
final class DiskPurges {
    private final DiskDirectory files;
    private final DiskIndex index;
    private final DiskQueue queued;

    DiskPurges(DiskDirectory files, DiskIndex index, DiskQueue queued) {
        this.files = files;
        this.index = index;
        this.queued = queued;
    }

    /** Removes (hard) or marks stale (soft) the variants of {@code key}; returns how many. */
    int purge(String key, boolean soft) {
        return purgeWhere(List.of(key), (k, slots) -> k.equals(key), (k, o) -> k.equals(key), soft, k -> true);
    }

    /**
     * Purges the object keyed {@code key} in every form it may take on disk: its variants, and, sliced, its head
     * and every slice of any validator; returns the variants of the object and of its head (slices are not
     * objects). Looked up by key: the whole index is walked only once the tier has held a slice, for the slices.
     */
    int purgeObject(String key, boolean soft) {
        String head = Slices.headKey(key);
        List<String> keys = new ArrayList<>(List.of(key, head));
        if (index.holdsSlices()) {
            for (String k : index.keys()) {
                if (Slices.belongsTo(k, key) && !k.equals(head)) {
                    keys.add(k);
                }
            }
        }
        Predicate<String> ofObject = k -> k.equals(key) || Slices.belongsTo(k, key);
        return purgeWhere(keys, (k, slots) -> ofObject.test(k), (k, o) -> ofObject.test(k), soft,
                k -> k.equals(key) || k.equals(head));
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    int purgeIf(Predicate<String> keyMatches, boolean soft) {
        return purgeWhere(index.keys(), (key, slots) -> keyMatches.test(key),
                (key, o) -> keyMatches.test(key), soft, k -> true);
    }

    /** Purges every URL whose variants carry {@code tag}; returns the variants affected. */
    int purgeTag(String tag, boolean soft) {
        return purgeWhere(index.keys(), (key, slots) -> slots.hasTag(tag),
                (key, o) -> o.surrogateKeys().contains(tag), soft, k -> true);
    }

    /**
     * Purges the files of the {@code candidates} that match, and counts the queued writes of URLs not on disk yet. A
     * lookup of a queued write checks the store's purge fence itself (so it is never answered fresh after a purge that
     * ran since it was queued, and never published fresh); a hard purge also drops it from the queue here, so its
     * memory is released and it is not written. Only the variants of keys {@code counted} accepts are counted.
     */
    private int purgeWhere(Iterable<String> candidates, BiPredicate<String, DiskSlots> matches,
            BiPredicate<String, CachedObject> queuedMatches, boolean soft, Predicate<String> counted) {
        int count = 0;
        Set<Path> directories = new LinkedHashSet<>();
        Set<String> matchedOnDisk = new HashSet<>();
        List<String> keys = new ArrayList<>();
        candidates.forEach(keys::add); // a copy: the loop below removes from the index it may come from
        for (String key : keys) {
            DiskSlots slots = index.peek(key);
            if (slots == null || !matches.test(key, slots)) {
                continue;
            }
            matchedOnDisk.add(key);
            int affected;
            if (soft) {
                affected = softPurge(key);
            } else {
                DiskSlots removed = index.remove(key); // the removal listener deletes the files
                affected = removed == null ? 0 : removed.byVariant().size();
                if (removed != null) {
                    removed.byVariant().values().forEach(s -> directories.add(s.file().getParent()));
                }
            }
            count += counted.test(key) ? affected : 0;
        }
        // Queued writes: a URL purged on disk loses its queued variants too (hard); one not on disk yet is asked
        // (once per variant, as a file would be) and counted.
        for (DiskQueue.Queued q : queued.all()) {
            String key = q.object().key();
            boolean onDisk = matchedOnDisk.contains(key);
            if (onDisk || queuedMatches.test(key, q.object())) {
                count += onDisk || !counted.test(key) ? 0 : 1;
                if (!soft) {
                    queued.remove(q);
                }
            }
        }
        files.sync(directories);
        return count;
    }

    private int softPurge(String key) {
        int[] count = {0};
        index.change(key, (k, slots) -> {
            LinkedHashMap<String, DiskSlot> copy = new LinkedHashMap<>();
            for (DiskSlot s : slots.byVariant().values()) {
                count[0]++;
                if (!s.invalidated()) {
                    try {
                        files.markInvalidated(s.file());
                    } catch (IOException e) {
                        continue; // cannot record it durably: dropped (its file deleted) rather than served fresh later
                    }
                }
                copy.put(s.variant(), s.invalidated() ? s : s.invalidatedCopy());
            }
            return copy.isEmpty() ? null : new DiskSlots(slots.vary(), Collections.unmodifiableMap(copy));
        });
        return count[0];
    }
}
