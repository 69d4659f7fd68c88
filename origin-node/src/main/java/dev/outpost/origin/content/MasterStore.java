package dev.outpost.origin.content;

import dev.outpost.common.problem.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The data directory holding the master copies. Every lookup goes through a confined {@link AssetPath} and is
 * checked again on disk: the real path (symlinks resolved) must stay inside the directory's real path, so a symlink
 * pointing outside is "not found". Digests are computed once per file version (size + mtime + file key) and kept.
 */
public final class MasterStore {
    /** Opens racing a replace are retried; a file rewritten this many times in a row is answered 503. */
    private static final int OPEN_ATTEMPTS = 8;

    private final Path root;
    private final ConcurrentHashMap<Path, Digested> digests = new ConcurrentHashMap<>();

    public MasterStore(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
            this.root = dataDirectory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("data directory " + dataDirectory + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** The real path of the data directory. */
    public Path root() {
        return root;
    }

    /**
     * The master copy at a path, if it is a regular file inside the data directory that may be served (no
     * dotfiles, no directories, nothing reached through a symlink pointing outside): its description only, for
     * listings and the asset API. Serving uses {@link #open}.
     */
    public Optional<MasterFile> find(AssetPath path) {
        try (var open = open(path).orElse(null)) {
            return open == null ? Optional.empty() : Optional.of(open.file());
        }
    }

    /**
     * Opens the master copy at a path, with a description that is true of the open file: size, modification
     * time and digest belong to the bytes the returned channel reads.
     *
     * <p>Why this order: the path is stat-ed, opened, and stat-ed again. A PUT replaces a copy by renaming a new
     * file over the path; if both stats name the same version (file key, size, modification time), the open in
     * between found that version too, because a file renamed away is never linked back. Otherwise the open raced
     * a replace and is tried again. The digest is read from the open channel (or taken from the cache for this
     * exact version), never by opening the path a second time, which once paired an old size with a new digest.
     *
     * @throws Problem unavailable, {@code asset_changing}, when the file kept changing under every attempt
     */
    public Optional<OpenMaster> open(AssetPath path) {
        if (path.isRoot() || path.isHidden()) {
            return Optional.empty();
        }
        Path candidate = root.resolve(path.relative()).normalize();
        if (!candidate.startsWith(root)) {
            return Optional.empty();
        }
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) {
                return Optional.empty();
            }
            for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
                BasicFileAttributes before = Files.readAttributes(real, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (!before.isRegularFile()) {
                    return Optional.empty();
                }
                FileChannel channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                try {
                    BasicFileAttributes after = Files.readAttributes(real, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    Optional<byte[]> sha256 = sameVersion(before, after) && channel.size() == after.size()
                            ? digestOf(real, after, channel) : Optional.empty();
                    if (sha256.isPresent()) {
                        OpenMaster open = new OpenMaster(new MasterFile(path, real, after.size(),
                                after.lastModifiedTime().toInstant(), sha256.get()), channel);
                        channel = null;
                        return Optional.of(open);
                    }
                } finally {
                    if (channel != null) {
                        channel.close();
                    }
                }
            }
            throw new Problem(Problem.Kind.UNAVAILABLE, "asset_changing", path + " changed on disk during every one "
                    + "of " + OPEN_ATTEMPTS + " attempts to read it; try again", Optional.of(Duration.ofSeconds(1)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where a master copy for {@code path} is written: inside the data directory, with every existing parent
     * directory's real path inside it too (a symlinked directory pointing outside is refused). Parents are not
     * created here.
     */
    public Optional<Path> writableLocation(AssetPath path) {
        if (path.isRoot() || path.isHidden()) {
            return Optional.empty();
        }
        Path target = root.resolve(path.relative()).normalize();
        if (!target.startsWith(root)) {
            return Optional.empty();
        }
        Path existing = target.getParent();
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        try {
            if (existing == null || !existing.toRealPath().startsWith(root)) {
                return Optional.empty();
            }
            if (Files.isSymbolicLink(target) && !target.toRealPath().startsWith(root)) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(target);
    }

    /**
     * Records a digest computed while writing, so the next read need not hash the file again.
     *
     * @param written the attributes of the written file, taken before it was renamed to {@code file} (a rename
     *                keeps the file key, size and modification time), so they describe exactly that version
     */
    public void remember(Path file, BasicFileAttributes written, byte[] sha256) {
        try {
            digests.put(file.toRealPath(), new Digested(written.size(), written.lastModifiedTime().to(
                    TimeUnit.NANOSECONDS), written.fileKey(), sha256.clone()));
        } catch (IOException e) {
            // Gone already (deleted or replaced): nothing to remember; the next read hashes whatever is there.
        }
    }

    /** Drops what is known about a file (it was deleted or replaced). */
    public void forget(Path file) {
        digests.remove(file);
    }

    /**
     * The SHA-256 of the version {@code attributes} describe, read from {@code channel} (which holds that version)
     * unless known; empty when the file changed in place while it was hashed.
     */
    private Optional<byte[]> digestOf(Path real, BasicFileAttributes attributes, FileChannel channel)
            throws IOException {
        long mtime = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        Digested known = digests.get(real);
        if (known != null && known.matches(attributes.size(), mtime, attributes.fileKey())) {
            return Optional.of(known.sha256);
        }
        MessageDigest sha256 = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long position = 0;
        for (int n; (n = channel.read(buffer.clear(), position)) > 0; position += n) {
            sha256.update(buffer.flip());
        }
        byte[] digest = sha256.digest();
        BasicFileAttributes now = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!sameVersion(attributes, now) || channel.size() != attributes.size()) {
            return Optional.empty(); // written in place while we read it: the digest describes no version
        }
        digests.put(real, new Digested(attributes.size(), mtime, attributes.fileKey(), digest));
        return Optional.of(digest);
    }

    private static boolean sameVersion(BasicFileAttributes a, BasicFileAttributes b) {
        return a.size() == b.size() && a.lastModifiedTime().equals(b.lastModifiedTime())
                && Objects.equals(a.fileKey(), b.fileKey());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private record Digested(long size, long mtimeNanos, Object fileKey, byte[] sha256) {
        boolean matches(long size, long mtimeNanos, Object fileKey) {
            return this.size == size && this.mtimeNanos == mtimeNanos && Objects.equals(this.fileKey, fileKey);
        }
    }
}
