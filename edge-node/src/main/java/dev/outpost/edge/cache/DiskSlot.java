package dev.outpost.edge.cache;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** One variant in {@link DiskTier}'s index: its file and what purges and lookups must know without opening it. */
record DiskSlot(String variant, Path file, long bytes, Set<String> tags, boolean invalidated, boolean restored,
        AtomicInteger hits, AtomicBoolean verified) {
    DiskSlot invalidatedCopy() {
        return new DiskSlot(variant, file, bytes, tags, true, restored, hits, verified);
    }
}
