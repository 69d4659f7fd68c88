package dev.outpost.origin.content;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data directory holding the master copies. Every lookup goes through a confined {@link AssetPath} and is
 * checked again on disk: the real path (symlinks resolved) must stay inside the directory's real path, so a symlink
 * pointing outside is "not found". Digests are computed once per file version (size + mtime + file key) and kept.
 */
public final class MasterStore {
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
     * dotfiles, no directories, nothing reached through a symlink pointing outside).
     */
    public Optional<MasterFile> find(AssetPath path) {
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
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            byte[] sha256 = digestOf(real, attributes);
            return Optional.of(new MasterFile(path, real, attributes.size(),
                    attributes.lastModifiedTime().toInstant(), sha256));
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

    /** Records a digest computed while writing, so the next read need not hash the file again. */
    public void remember(Path file, byte[] sha256) {
        try {
            Path real = file.toRealPath();
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            digests.put(real, new Digested(attributes.size(), attributes.lastModifiedTime().toMillis(),
                    attributes.fileKey(), sha256.clone()));
        } catch (IOException e) {
            // Not readable right after the write: nothing to remember; the next read hashes the file.
            digests.remove(file.toAbsolutePath().normalize());
        }
    }

    /** Drops what is known about a file (it was deleted or replaced). */
    public void forget(Path file) {
        digests.remove(file);
    }

    private byte[] digestOf(Path real, BasicFileAttributes attributes) throws IOException {
        Digested known = digests.get(real);
        long mtime = attributes.lastModifiedTime().toMillis();
        if (known != null && known.matches(attributes.size(), mtime, attributes.fileKey())) {
            return known.sha256;
        }
        MessageDigest sha256 = sha256();
        try (InputStream in = Files.newInputStream(real)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
        }
        byte[] digest = sha256.digest();
        digests.put(real, new Digested(attributes.size(), mtime, attributes.fileKey(), digest));
        return digest;
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private record Digested(long size, long mtimeMillis, Object fileKey, byte[] sha256) {
        boolean matches(long size, long mtimeMillis, Object fileKey) {
            return this.size == size && this.mtimeMillis == mtimeMillis
                    && java.util.Objects.equals(this.fileKey, fileKey);
        }
    }
}
