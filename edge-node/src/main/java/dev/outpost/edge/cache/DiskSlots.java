package dev.outpost.edge.cache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A URL's variants on disk ({@link DiskTier}'s index values), immutable. */
record DiskSlots(List<String> vary, Map<String, DiskSlot> byVariant) {
    long bytes() {
        long b = 0;
        for (DiskSlot s : byVariant.values()) {
            b += s.bytes();
        }
        return b;
    }

    DiskSlots with(List<String> newVary, DiskSlot slot, int maxVariants) {
        if (!vary.equals(newVary)) {
            return new DiskSlots(newVary, Map.of(slot.variant(), slot));
        }
        LinkedHashMap<String, DiskSlot> copy = new LinkedHashMap<>(byVariant);
        copy.remove(slot.variant());
        copy.put(slot.variant(), slot);
        while (copy.size() > maxVariants) {
            copy.remove(copy.keySet().iterator().next());
        }
        return new DiskSlots(vary, Collections.unmodifiableMap(copy));
    }

    /** Without {@code variant}; {@code null} when nothing is left. */
    DiskSlots without(String variant) {
        LinkedHashMap<String, DiskSlot> copy = new LinkedHashMap<>(byVariant);
        copy.remove(variant);
        return copy.isEmpty() ? null : new DiskSlots(vary, Collections.unmodifiableMap(copy));
    }

    boolean hasTag(String tag) {
        return byVariant.values().stream().anyMatch(s -> s.tags().contains(tag));
    }
}
