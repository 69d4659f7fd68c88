package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whether a newcomer may enter the full memory tier, and what leaves to make room for it, by frequency per byte.
 * Among the entries Caffeine would evict first (a pool of the coldest), those asked for least per byte are the
 * victims, taken until they free the newcomer's bytes; it enters only if it was asked for more often than all of
 * them together. This is the "aggregated victims" rule of size-aware TinyLFU (Einziger, Eytan, Friedman, Manes,
 * "Lightweight Robust Size Aware Cache Management", ACM TOS 2022): Caffeine's own W-TinyLFU compares a newcomer with
 * one victim at a time whatever their sizes, so a 4 KiB object asked for 5 times could displace three 1 KiB objects
 * asked for 4 times each (12 hits for 5). With equal sizes it is TinyLFU's rule (the least frequent of the pool
 * leaves if the newcomer beats it). Pure: keys, frequencies and weights in, a decision out.
 */
final class SizeAwareAdmission {
    /** An entry that could make room: its key, estimated frequency and the bytes it is charged. */
    record Entry(String key, int frequency, long weight) {
    }

    /** Admitted (after evicting {@code victims}, possibly none) or not. */
    record Decision(boolean admitted, List<String> victims) {
        static final Decision ADMIT = new Decision(true, List.of());
        static final Decision REFUSE = new Decision(false, List.of());
    }

    private SizeAwareAdmission() {
    }

    /**
     * @param frequency  the newcomer's estimated frequency (its own requests counted)
     * @param weight     the bytes the newcomer would be charged
     * @param freeBytes  bytes the store has free now
     * @param coldest    the pool of entries that could leave, coldest first (ties keep this order)
     */
    static Decision decide(int frequency, long weight, long freeBytes, List<Entry> coldest) {
        long needed = weight - freeBytes;
        if (needed <= 0) {
            return Decision.ADMIT;
        }
        // Most newcomers (promotions asked for again and again from disk) lose to the first victim alone: found by
        // one scan, that refusal needs no sort. The first victim is the earliest entry of least frequency per byte,
        // as the stable sort below would put first.
        Entry first = null;
        for (Entry e : coldest) {
            if (first == null || e.frequency() * first.weight() < first.frequency() * e.weight()) {
                first = e;
            }
        }
        if (first == null || first.frequency() >= frequency) {
            return Decision.REFUSE;
        }
        List<Entry> byValue = new ArrayList<>(coldest);
        // least frequency per byte first: f1/w1 < f2/w2  <=>  f1*w2 < f2*w1
        byValue.sort(Comparator.comparing(e -> e, (a, b) -> Long.compare(a.frequency() * b.weight(),
                b.frequency() * a.weight())));
        List<String> victims = new ArrayList<>();
        long victimsFrequency = 0;
        for (Entry e : byValue) {
            if (needed <= 0) {
                break;
            }
            victimsFrequency += e.frequency();
            if (victimsFrequency >= frequency) {
                return Decision.REFUSE;
            }
            victims.add(e.key());
            needed -= e.weight();
        }
        return needed <= 0 ? new Decision(true, victims) : Decision.REFUSE;
    }
}
