package dev.outpost.common.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes and reads the files that hold a node's private key and certificates: owner-only ({@code rw-------},
 * directory {@code rwx------}), replaced atomically (temp file + rename) so a crash never leaves half a key, and a
 * key file others may read is refused at load.
 */
public final class SecretFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SecretFiles() {
    }

    /** Creates {@code directory} owner-only when missing (an existing one is left as it is). */
    public static void ownerOnlyDirectory(Path directory) {
        try {
            if (Files.isDirectory(directory)) {
                return;
            }
            Path parent = directory.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            if (posix(parent)) {
                Files.createDirectory(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(directory);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code text} to {@code file} owner-only, replacing it atomically. */
    public static void write(Path file, String text) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            if (posix(file.toAbsolutePath().getParent())) {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(temp);
            }
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #write}; refuses one that group or others may read. */
    public static String read(Path file) {
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            if (view != null) {
                Set<PosixFilePermission> perms = view.readAttributes().permissions();
                if (!OWNER_ONLY.containsAll(perms)) {
                    throw new IllegalStateException(file + " is readable by others ("
                            + PosixFilePermissions.toString(perms) + "); chmod 600 it");
                }
            }
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean posix(Path directory) throws IOException {
        return Files.getFileStore(directory).supportsFileAttributeView(PosixFileAttributeView.class);
    }
}
