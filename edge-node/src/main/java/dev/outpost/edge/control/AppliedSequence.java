package dev.outpost.edge.control;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The highest invalidation sequence this edge applied, and the one gate every sequenced entry passes, whether it
 * came live through the admin API or in a heartbeat's catch-up page. Entries are applied one at a time under a
 * lock, so a live push racing a catch-up page applies once; an entry at or below the mark is acknowledged without
 * being applied again. A failed entry leaves the mark where it was, so nothing after it is reported applied: a gap
 * is never skipped.
 *
 * <p>Only the control plane knows which sequences belong to this edge's region (catch-up pages and live pushes
 * skip other regions' entries), so a higher sequence is accepted as the next one: the control plane pushes live
 * only the very next entry after the edge's applied sequence (docs/control-plane.md, "Edge contract"). Until the edge has
 * registered it has no mark, and sequenced entries are refused, so the control plane hands them over in order
 * once it knows where the edge stands.
 */
public final class AppliedSequence {
    private static final System.Logger LOG = System.getLogger(AppliedSequence.class.getName());
    private static final long WARNING_INTERVAL_NANOS = 60_000_000_000L;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long highest;
    private volatile boolean known;
    /** Where the mark is kept across restarts (next to a disk tier), if anywhere. */
    private final Optional<Path> file;
    private final Runnable onRewound;
    // Guarded by lock, as persist is.
    private long unrecorded;
    private long lastWarning;

    /** A mark kept in memory only: an edge with nothing on disk starts over. */
    public AppliedSequence() {
        this.file = Optional.empty();
        this.onRewound = () -> { };
    }

    /**
     * A mark kept in {@code file}, next to the disk tier whose objects it vouches for: it starts at the sequence the
     * file holds (0 if none), which the edge reports when it registers, so the control plane hands over what it
     * missed while down. Written after each applied entry, so it never runs ahead of what the disk reflects.
     *
     * @param onRewound what to do when the control plane answers a lower mark than the file's (see {@link #adopt})
     */
    public AppliedSequence(Path file, Runnable onRewound) {
        this.file = Optional.of(file);
        this.onRewound = onRewound;
        this.highest = read(file);
    }

    private static long read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            long value = Long.parseLong(text);
            return value < 0 ? 0 : value;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            // Unreadable: claim nothing applied, so the control plane replays or resets (never trusts blindly).
            return 0;
        }
    }

    /**
     * Records {@code sequence} in the file. A file system that refuses it (full, read-only, failing) does not stop
     * the entry being acknowledged: the entry was applied, and a mark on disk that stays behind is the safe side, as
     * after a crash (a restart reports it, and the control plane hands over again what came after, which is applied
     * again harmlessly). Only a mark ahead of what was applied would be wrong: lowering the mark must not fail
     * silently ({@link #adopt}). Warned at most once a minute, with what was missed.
     *
     * @return whether the file now holds {@code sequence} (true when there is no file)
     */
    private boolean persist(long sequence) {
        if (file.isEmpty()) {
            return true;
        }
        Path target = file.get();
        Path staged = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(staged, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap((sequence + "\n").getBytes(StandardCharsets.US_ASCII)));
                out.force(true);
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            unrecorded++;
            long now = System.nanoTime();
            if (lastWarning == 0 || now - lastWarning >= WARNING_INTERVAL_NANOS) {
                lastWarning = now;
                LOG.log(System.Logger.Level.WARNING, "cannot record applied sequence " + sequence + " in " + target
                        + " (" + e.getMessage() + "; " + unrecorded + " marks not recorded so far): the entries are "
                        + "applied and acknowledged; after a restart the control plane hands over again what came "
                        + "after the mark the file holds");
            }
            return false;
        }
    }

    /** What became of one sequenced entry. */
    public sealed interface Outcome<T> {
    }

    /** Applied now; {@code result} is what the purge or prefetch did. */
    public record Applied<T>(T result) implements Outcome<T> {
    }

    /** At or below the mark: applied before, acknowledged, not applied again. */
    public record AlreadyApplied<T>(long highest) implements Outcome<T> {
    }

    /** The edge has not registered yet, so it cannot tell where the entry stands; the catch-up brings it. */
    public record NotRegistered<T>() implements Outcome<T> {
    }

    /**
     * What became of a page of entries applied as one batch ({@link #applyAll}): each entry's outcome, in order, up
     * to the first that failed, and that failure (nothing after it was applied).
     */
    public record Batch(List<Outcome<?>> outcomes, Optional<RuntimeException> failure) {
        public Batch {
            outcomes = List.copyOf(outcomes);
        }
    }

    /** Runs a batch's work so that what it did is durable once it returns or throws (e.g. one flush per directory). */
    @FunctionalInterface
    public interface Durably {
        void run(Runnable work);
    }

    /**
     * Adopts the mark the control plane answered at registration. One lower than the mark kept on disk means the
     * control plane does not know that mark (its log was replaced): {@code onRewound} runs first, so what the disk
     * holds is revalidated instead of trusted.
     */
    public void adopt(long sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("applied sequence must be >= 0, was " + sequence);
        }
        lock.lock();
        try {
            if (sequence < highest) {
                onRewound.run();
                // A file left above the new mark would vouch, after a restart, for entries this edge never saw.
                if (!persist(sequence)) {
                    throw new UncheckedIOException(new IOException("cannot lower the applied sequence kept in "
                            + file.orElseThrow() + " to " + sequence + "; the edge must not report " + highest));
                }
            } else {
                persist(sequence);
            }
            highest = sequence;
            known = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adopts the mark and, under the same lock, installs what the control plane said holds as of it (the
     * configuration snapshot of a registration reply): no live entry can slip in between the two.
     */
    public void adopt(long sequence, Runnable asOfIt) {
        lock.lock();
        try {
            adopt(sequence);
            asOfIt.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code asOfIt} under the gate when entry {@code sequence} is not applied yet (a reset's configuration
     * snapshot, which holds as of the reset entry); skipped when a live push already went past it.
     */
    public void beforeApplying(long sequence, Runnable asOfIt) {
        lock.lock();
        try {
            if (sequence > highest) {
                asOfIt.run();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The highest sequence applied (0 before any). */
    public long highest() {
        return highest;
    }

    /** Whether a mark was adopted (the edge registered at least once). */
    public boolean known() {
        return known;
    }

    /**
     * Applies a page of entries in order, as one batch under the gate: each entry not applied yet is carried out by
     * {@code apply}, all of them inside {@code durably} (which makes their effects durable together, e.g. one flush
     * per directory instead of one per purge), and only then is the mark recorded, once, at the last entry applied.
     * So the mark never runs ahead of the disk, and no live entry is acknowledged as applied while the batch's
     * effects are not durable yet (the gate is held throughout). The first entry that throws stops the batch: the
     * entries before it are applied and recorded, it and the later ones are not.
     */
    public <E> Batch applyAll(List<E> entries, ToLongFunction<E> sequenceOf, Function<E, ?> apply,
            Durably durably) {
        lock.lock();
        try {
            List<Outcome<?>> outcomes = new ArrayList<>();
            if (!known) {
                entries.forEach(e -> outcomes.add(new NotRegistered<>()));
                return new Batch(outcomes, Optional.empty());
            }
            long[] reached = {highest};
            RuntimeException[] failure = {null};
            durably.run(() -> {
                for (E entry : entries) {
                    long sequence = sequenceOf.applyAsLong(entry);
                    try {
                        if (sequence <= 0) {
                            throw new IllegalArgumentException("sequence must be > 0, was " + sequence);
                        }
                        if (sequence <= reached[0]) {
                            outcomes.add(new AlreadyApplied<>(reached[0]));
                            continue;
                        }
                        outcomes.add(new Applied<>(apply.apply(entry)));
                        reached[0] = sequence;
                    } catch (RuntimeException e) {
                        failure[0] = e;
                        return;
                    }
                }
            });
            if (reached[0] > highest) {
                persist(reached[0]);
                highest = reached[0];
            }
            return new Batch(outcomes, Optional.ofNullable(failure[0]));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies entry {@code sequence} unless it was applied already. If {@code apply} throws, the mark stays and the
     * exception propagates.
     */
    public <T> Outcome<T> apply(long sequence, Supplier<T> apply) {
        if (sequence <= 0) {
            throw new IllegalArgumentException("sequence must be > 0, was " + sequence);
        }
        lock.lock();
        try {
            if (!known) {
                return new NotRegistered<>();
            }
            if (sequence <= highest) {
                return new AlreadyApplied<>(highest);
            }
            T result = apply.get();
            persist(sequence);
            highest = sequence;
            return new Applied<>(result);
        } finally {
            lock.unlock();
        }
    }
}
