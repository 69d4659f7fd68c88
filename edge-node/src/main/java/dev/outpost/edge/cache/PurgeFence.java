package dev.outpost.edge.cache;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Keeps a purge from being undone by a fetch that was already in flight when it ran. A fetch takes a
 * {@link #ticket()} before it asks the origin; when its answer is about to be stored, {@link #since} says whether a
 * purge that matches the object (its key, or one of its surrogate keys) ran after that ticket. Such an answer may
 * be the very content the purge was meant to remove (the origin changed, the purge was issued, and our response was
 * already on its way), so it is not stored (hard purge) or stored already stale (soft purge).
 *
 * <p>Design note. Purges are remembered as marks (generation, what they match) for {@code retention}, which must
 * be longer than any fetch can take (the origin's total timeout bounds it); at most {@code maxMarks} are kept. A
 * ticket older than the oldest mark kept cannot be judged and counts as purged: a lost store, never a purge undone.
 * Every mark is recorded before the purge touches the store, and a fetch checks after its write; so whichever of
 * the two runs first, the other sees it.
 */
public final class PurgeFence {
    /** What one purge matched. */
    public record Mark(long generation, Predicate<String> keys, Set<String> tags, boolean soft, long atNanos) {
        boolean matches(String key, Set<String> objectTags) {
            if (keys.test(key)) {
                return true;
            }
            for (String tag : tags) {
                if (objectTags.contains(tag)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Deque<Mark> marks = new ArrayDeque<>();
    private final long retentionNanos;
    private final int maxMarks;
    private final LongSupplier nanoTime;
    private long generation;
    /** Tickets at or below this are older than every mark kept. */
    private long forgottenThrough;

    public PurgeFence(Duration retention, int maxMarks, LongSupplier nanoTime) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be > 0, was " + retention);
        }
        if (maxMarks < 1) {
            throw new IllegalArgumentException("maxMarks must be >= 1, was " + maxMarks);
        }
        this.retentionNanos = retention.toNanos();
        this.maxMarks = maxMarks;
        this.nanoTime = nanoTime;
    }

    /** Taken by a fetch before it asks the origin. */
    public synchronized long ticket() {
        return generation;
    }

    /** Records a purge of the keys the predicate accepts; call before the purge removes anything. */
    public void purgedKeys(Predicate<String> keys, boolean soft) {
        record(keys, Set.of(), soft);
    }

    /** Records a purge by surrogate key; call before the purge removes anything. */
    public void purgedTag(String tag, boolean soft) {
        record(k -> false, Set.of(tag), soft);
    }

    private synchronized void record(Predicate<String> keys, Set<String> tags, boolean soft) {
        long now = nanoTime.getAsLong();
        forget(now);
        generation++;
        marks.addLast(new Mark(generation, keys, tags, soft, now));
        while (marks.size() > maxMarks) {
            forgottenThrough = marks.removeFirst().generation();
        }
    }

    /**
     * The purge that ran after {@code ticket} and matches the object, if any (a hard one before a soft one); a
     * ticket too old to judge yields a hard mark that matches everything.
     */
    public synchronized Optional<Mark> since(long ticket, String key, Set<String> objectTags) {
        forget(nanoTime.getAsLong());
        if (ticket < forgottenThrough) {
            return Optional.of(new Mark(forgottenThrough, k -> true, Set.of(), false, 0));
        }
        Mark found = null;
        for (Iterator<Mark> it = marks.descendingIterator(); it.hasNext(); ) {
            Mark mark = it.next();
            if (mark.generation() <= ticket) {
                break;
            }
            if (mark.matches(key, objectTags) && (found == null || found.soft())) {
                found = mark;
            }
        }
        return Optional.ofNullable(found);
    }

    private void forget(long now) {
        while (!marks.isEmpty() && now - marks.peekFirst().atNanos() > retentionNanos) {
            forgottenThrough = marks.removeFirst().generation();
        }
    }
}
