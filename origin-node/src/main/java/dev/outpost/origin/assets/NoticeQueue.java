package dev.outpost.origin.assets;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The change notices an origin has not delivered yet, on disk: one small file per notice, written to a temp name,
 * fsynced, renamed to {@code <sequence>-<id>.json} and the directory fsynced, before {@link #add} returns; deleted
 * once delivered. {@link #open} loads what a previous run left, in sequence order, so a notice survives a crash or
 * kill -9 of the origin between its change and its delivery.
 *
 * <p>Why files, not one append-only log: a notice is removed with one unlink, nothing needs compacting, and a crash
 * mid-write leaves only a temp file, which is discarded (its change was never answered, see AssetWriter). Each
 * notice keeps the id it was given when added, across restarts: the receiver can use it to recognise a retry.
 */
final class NoticeQueue {
    private static final Logger LOG = System.getLogger(NoticeQueue.class.getName());
    private static final String SUFFIX = ".json";
    private static final String TEMP_PREFIX = ".tmp-";

    /** One notice as stored: its place in the queue, its stable id, and the notice itself. */
    record Queued(long sequence, String id, ChangeNotice notice) {
    }

    /** The file's content. */
    private record Stored(String id, ChangeNotice notice) {
    }

    private final Path directory;
    private final AtomicLong lastSequence;
    private final SecureRandom random = new SecureRandom();

    private NoticeQueue(Path directory, long lastSequence) {
        this.directory = directory;
        this.lastSequence = new AtomicLong(lastSequence);
    }

    /**
     * Opens (creating) the queue directory and returns it with the notices a previous run left undelivered.
     *
     * @throws UncheckedIOException when the directory cannot be created or read: the origin must not start
     *                              answering uploads it cannot announce durably
     */
    static Opened open(Path directory) {
        try {
            Files.createDirectories(directory);
            List<Queued> left = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.startsWith(TEMP_PREFIX)) {
                        Files.deleteIfExists(file); // a crash mid-add: that change was never answered
                    } else if (name.endsWith(SUFFIX)) {
                        read(file).ifPresent(left::add);
                    }
                }
            }
            left.sort(Comparator.comparingLong(Queued::sequence));
            long last = left.isEmpty() ? 0 : left.get(left.size() - 1).sequence();
            return new Opened(new NoticeQueue(directory, last), List.copyOf(left));
        } catch (IOException e) {
            throw new UncheckedIOException("the change-notice queue " + directory + " cannot be used: "
                    + e.getMessage(), e);
        }
    }

    /** The queue and what it held at start. */
    record Opened(NoticeQueue queue, List<Queued> left) {
    }

    Path directory() {
        return directory;
    }

    /** Writes a notice durably (file and directory fsynced) and returns it with its sequence and new id. */
    Queued add(ChangeNotice notice) throws IOException {
        long sequence = lastSequence.incrementAndGet();
        byte[] id = new byte[8];
        random.nextBytes(id);
        Queued queued = new Queued(sequence, HexFormat.of().formatHex(id), notice);
        Path temp = directory.resolve(TEMP_PREFIX + fileName(queued));
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(Json.bytes(new Stored(queued.id(), notice)));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        try {
            Files.move(temp, directory.resolve(fileName(queued)), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
        return queued;
    }

    /**
     * Forgets a delivered (or superseded) notice. Not fsynced: if the unlink is lost in a crash, the notice is sent
     * once more after the restart, which only purges what was purged already.
     */
    void remove(Queued queued) {
        try {
            Files.deleteIfExists(directory.resolve(fileName(queued)));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove delivered change notice " + queued.id() + " from "
                    + directory + ": " + e.getMessage() + "; it will be sent again after a restart");
        }
    }

    private static Optional<Queued> read(Path file) {
        String name = file.getFileName().toString();
        try {
            long sequence = Long.parseLong(name.substring(0, name.indexOf('-')));
            Stored stored = Json.mapper().readValue(Files.readAllBytes(file), Stored.class);
            return Optional.of(new Queued(sequence, stored.id(), stored.notice()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // Only a file someone else put here or damaged: keep it out of the way, say so, go on.
            LOG.log(Level.ERROR, "change notice file " + file + " cannot be read (" + e.getMessage()
                    + "); it is skipped and left in place for inspection");
            return Optional.empty();
        }
    }

    private static String fileName(Queued queued) {
        return String.format("%020d-%s%s", queued.sequence(), queued.id(), SUFFIX);
    }

    private void syncDirectory() {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can open a directory; the rename is still atomic there.
        }
    }
}
