package dev.outpost.origin.assets;

import dev.outpost.common.problem.Problem;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterFile;
import dev.outpost.origin.content.MasterStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Writes and deletes master copies for the asset API, then announces each change.
 *
 * <p>Design: a PUT streams the body into a temp file in the target's own directory (same file system, so the final
 * rename is atomic; a dotfile name, so it is never served or listed), hashing while it writes and counting against
 * the size limit. Only a complete, fsynced body whose digests match is renamed over the old copy: a reader opens
 * either the old file or the new one, never a mix, and every failure (limit, mismatch, client gone, disk full)
 * deletes the temp and leaves the old copy as it was. The commit (rename or delete, digest cache, notice) runs under
 * a per-path lock, so the notices for one path leave in the order its changes reached the disk; the notice is
 * written to disk before the change and sent after it (ChangeNotifier), so no answered change goes unannounced.
 */
public final class AssetWriter {
    private static final System.Logger LOG = System.getLogger(AssetWriter.class.getName());
    /** Temp files start with this; being dotfiles, the content port never serves them and listings skip them. */
    public static final String TEMP_PREFIX = ".outpost-upload-";

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int STRIPES = 64;

    private final MasterStore store;
    private final long maxBytes;
    private final ChangeNotifier notifier;
    private final ChangeJournal journal;
    private final StorageRefusals refusals;
    private final SecureRandom random = new SecureRandom();
    private final Object[] stripes = new Object[STRIPES];

    public AssetWriter(MasterStore store, long maxBytes, ChangeNotifier notifier) {
        this(store, maxBytes, notifier, ChangeJournal.NONE);
    }

    /** A writer that also records every change in {@code journal} (the replication log) before making it. */
    public AssetWriter(MasterStore store, long maxBytes, ChangeNotifier notifier, ChangeJournal journal) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxUploadBytes must be > 0, was " + maxBytes);
        }
        this.store = store;
        this.maxBytes = maxBytes;
        this.notifier = notifier;
        this.journal = journal;
        this.refusals = new StorageRefusals(store.root());
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * Deletes the upload temp files a killed origin left behind (an upload cut off by kill -9 or a power loss never
     * reaches its {@code finally}); call at start, before the listener opens. They are dotfiles, so they were never
     * served or listed; this only gives their disk space back. Symlinked directories are not followed.
     *
     * @return how many were deleted
     */
    public static int removeLeftoverUploads(Path dataDirectory) {
        int[] removed = {0};
        try {
            Files.walkFileTree(dataDirectory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                        throws IOException {
                    if (attributes.isRegularFile() && file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                        Files.deleteIfExists(file);
                        removed[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // unreadable: not ours to judge
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cleaning upload temp files under " + dataDirectory + " failed: "
                    + e.getMessage(), e);
        }
        if (removed[0] > 0) {
            System.getLogger(AssetWriter.class.getName()).log(System.Logger.Level.INFO, "removed " + removed[0]
                    + " upload temp files (" + TEMP_PREFIX + "*) left by uploads the last run did not finish");
        }
        return removed[0];
    }

    /**
     * The outcome of a PUT: the new copy, whether there was none before (201) or one was replaced (200), and the
     * change's place in the journal (0 when none records it).
     */
    public record Written(AssetInfo asset, boolean created, long sequence) {
    }

    /**
     * Writes {@code body} as the master copy of {@code path}, atomically.
     *
     * @param declaredLength the request's Content-Length, if it sent one: above the limit → 413 before reading
     * @throws Problem invalid (hidden or escaping path, digest mismatch, body cut short), conflict (a directory
     *                  is in the way), too large
     */
    public Written write(AssetPath path, OptionalLong declaredLength, InputStream body, DigestCheck check) {
        Path target = locate(path);
        if (Files.isDirectory(target)) {
            throw conflict(path + " is a directory; only files can be written");
        }
        if (declaredLength.isPresent() && declaredLength.getAsLong() > maxBytes) {
            throw tooLarge("Content-Length " + declaredLength.getAsLong());
        }
        if (declaredLength.isPresent() && declaredLength.getAsLong() > refusals.usableBytes()) {
            // Refused before a byte is written, as a body over the limit is.
            throw refusals.noRoom(path, declaredLength);
        }
        Path directory = createParents(path, declaredLength, target.getParent());
        Path temp = directory.resolve(TEMP_PREFIX + HexFormat.of().formatHex(nextBytes()));
        try {
            Map<DigestCheck.Algorithm, byte[]> digests = receive(body, declaredLength, temp, check);
            check.verify(digests);
            byte[] sha256 = digests.get(DigestCheck.Algorithm.SHA_256);
            // Taken before the rename, which keeps them: they describe this version even if another writer
            // (outside the API) replaces the path right after.
            BasicFileAttributes attributes = Files.readAttributes(temp, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            AssetInfo asset = AssetInfo.of(new MasterFile(path, target, attributes.size(),
                    attributes.lastModifiedTime().toInstant(), sha256));
            synchronized (stripeOf(path)) {
                boolean existed = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                // The journal entry and the notice are on disk before the new copy is visible; the notice is sent
                // and the entry shown to replicas once the rename is done.
                ChangeJournal.Recorded recorded = journal.record(ChangeNotice.Event.CHANGED, path,
                        Optional.of(asset));
                try {
                    notifier.announce(ChangeNotice.changed(asset.path(), asset.etag()), () -> {
                        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                        syncDirectory(directory);
                        store.remember(target, attributes, sha256);
                    });
                } finally {
                    journal.release(recorded);
                }
                LOG.log(System.Logger.Level.INFO, () -> "asset " + (existed ? "replaced" : "created") + ": path="
                        + asset.path() + " bytes=" + attributes.size() + " etag=" + asset.etag() + " change="
                        + recorded.sequence());
                return new Written(asset, !existed, recorded.sequence());
            }
        } catch (IOException e) {
            throw refusals.ofUpload(e, path, declaredLength).<RuntimeException>map(refusal -> refusal)
                    .orElseGet(() -> new UncheckedIOException("writing " + path + " failed: " + e.getMessage(), e));
        } catch (UncheckedIOException e) { // from the journal: it could not record the change either
            throw refusals.ofUpload(e, path, declaredLength).<RuntimeException>map(refusal -> refusal).orElse(e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /**
     * Deletes the master copy of {@code path} (a symlink inside the data directory is removed itself, never its
     * target).
     *
     * @return the change's place in the journal (0 when none records it)
     * @throws Problem not found when there is no such asset, conflict when it is a directory
     */
    public long delete(AssetPath path) {
        refuseHidden(path);
        Path target = store.writableLocation(path)
                .orElseThrow(() -> Problem.notFound("no asset at " + path));
        if (store.find(path).isEmpty()) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw conflict(path + " is a directory; delete the files in it one by one");
            }
            throw Problem.notFound("no asset at " + path);
        }
        synchronized (stripeOf(path)) {
            try {
                ChangeJournal.Recorded recorded = journal.record(ChangeNotice.Event.DELETED, path,
                        Optional.empty());
                try {
                    notifier.announce(ChangeNotice.deleted(path.urlPath()), () -> {
                        Files.delete(target);
                        store.forget(target);
                    });
                } finally {
                    journal.release(recorded);
                }
                LOG.log(System.Logger.Level.INFO, () -> "asset deleted: path=" + path.urlPath() + " change="
                        + recorded.sequence());
                return recorded.sequence();
            } catch (NoSuchFileException e) {
                throw Problem.notFound("no asset at " + path);
            } catch (IOException e) {
                throw refusals.ofDelete(e, path).<RuntimeException>map(refusal -> refusal)
                        .orElseGet(() -> new UncheckedIOException("deleting " + path + " failed: " + e.getMessage(),
                                e));
            } catch (UncheckedIOException e) { // from the journal
                throw refusals.ofDelete(e, path).<RuntimeException>map(refusal -> refusal).orElse(e);
            }
        }
    }

    /** Where a PUT writes: confined, not hidden, no symlinked directory leading outside. */
    private Path locate(AssetPath path) {
        if (path.isRoot()) {
            throw Problem.invalid("bad_path", "a file path is needed after /_origin/assets/");
        }
        refuseHidden(path);
        return store.writableLocation(path).orElseThrow(() -> Problem.invalid("bad_path",
                path + " leads outside the data directory (through a symlink)"));
    }

    /** Dotfiles are never served, so the API neither writes nor deletes them (nor lets one name its temp files). */
    public static void refuseHidden(AssetPath path) {
        if (path.isHidden()) {
            throw Problem.invalid("hidden_path", "dotfiles and dot-directories (" + path
                    + ") are not assets: they are never served, written or deleted through the API");
        }
    }

    private Path createParents(AssetPath path, OptionalLong declaredLength, Path directory) {
        try {
            Files.createDirectories(directory);
            // writableLocation checked the parents that existed; check again now that all of them do.
            if (!directory.toRealPath().startsWith(store.root())) {
                throw Problem.invalid("bad_path", path + " leads outside the data directory");
            }
            return directory;
        } catch (FileAlreadyExistsException e) {
            throw conflict("a parent of " + path + " is a file, not a directory");
        } catch (IOException e) {
            throw refusals.ofUpload(e, path, declaredLength).<RuntimeException>map(refusal -> refusal)
                    .orElseGet(() -> new UncheckedIOException(
                    "creating the directories of " + path + " failed: " + e.getMessage(), e));
        }
    }

    /** Streams the body into {@code temp}, fsyncs it and returns its digests; 413 as soon as it passes the limit. */
    private Map<DigestCheck.Algorithm, byte[]> receive(InputStream body, OptionalLong declaredLength, Path temp,
            DigestCheck check) throws IOException {
        DigestCheck.Digesting digesting = check.start();
        byte[] buffer = new byte[BUFFER_BYTES];
        long total = 0;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int n; (n = read(body, buffer)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge("the body");
                }
                digesting.update(buffer, 0, n);
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
            if (declaredLength.isPresent() && total != declaredLength.getAsLong()) {
                // The server enforces Content-Length framing; this guards a truncated body ever being committed.
                throw Problem.invalid("incomplete_body", "the body has " + total + " bytes, Content-Length "
                        + "said " + declaredLength.getAsLong() + "; nothing was written");
            }
            out.force(true);
        }
        return digesting.finish();
    }

    /** A failed read is the client's doing (it went away, or sent less than it declared), not a server error. */
    private static int read(InputStream body, byte[] buffer) {
        try {
            return body.read(buffer);
        } catch (IOException e) {
            throw Problem.invalid("incomplete_body", "the request body ended early ("
                    + e.getMessage() + "); nothing was written");
        }
    }

    private byte[] nextBytes() {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return bytes;
    }

    private Object stripeOf(AssetPath path) {
        return stripes[Math.floorMod(path.relative().hashCode(), STRIPES)];
    }

    /** Makes the rename durable. Not every platform can open a directory; the rename is atomic regardless. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort (see above).
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            System.getLogger(AssetWriter.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete upload temp file " + temp + ": " + e.getMessage());
        }
    }

    private Problem tooLarge(String what) {
        return tooLarge(maxBytes, what);
    }

    /** The refusal of an upload past the limit. */
    public static Problem tooLarge(long maxBytes, String what) {
        return new Problem(Problem.Kind.TOO_LARGE, "too_large", what + " exceeds maxUploadBytes (" + maxBytes
                + " bytes)");
    }

    private static Problem conflict(String message) {
        return Problem.conflict("conflict", message);
    }
}
