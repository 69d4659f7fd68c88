package dev.outpost.origin.assets;

import dev.outpost.common.problem.DeviceFull;
import dev.outpost.common.problem.Problem;
import dev.outpost.common.problem.ReadOnlyStorage;
import dev.outpost.origin.content.AssetPath;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The asset API's answers when the origin's storage, not the request, stops a change: a device with no room (507
 * {@code insufficient_storage}), a file system mounted or remounted read-only (503 {@code storage_read_only}), or
 * files the origin's user may not change (503 {@code storage_not_permitted}). Each names the path and says that
 * nothing was changed, and is logged as one warning line (the operator's to act on), never as a stack trace: these
 * are the machine's state, not faults of the code. Every other failure stays an internal error.
 */
final class StorageRefusals {
    private static final System.Logger LOG = System.getLogger(StorageRefusals.class.getName());

    private final Path root;

    StorageRefusals(Path root) {
        this.root = root;
    }

    /** Free bytes on the data directory's file system (unknown: as good as unlimited; the write then tells). */
    long usableBytes() {
        try {
            return Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The refusal of a write the data directory has no room for (507): the old copy, if any, is unchanged. A
     * replacement needs room for the new copy while the old one is still there (it is renamed over it only once
     * complete).
     */
    Problem noRoom(AssetPath path, OptionalLong declaredLength) {
        String message = "the origin's data directory has no room for " + path + (declaredLength.isPresent()
                ? " (" + declaredLength.getAsLong() + " bytes)" : "") + ": " + usableBytes()
                + " bytes are free; nothing was written";
        LOG.log(System.Logger.Level.WARNING, "upload refused (507): " + message);
        return new Problem(Problem.Kind.INSUFFICIENT_STORAGE, "insufficient_storage", message);
    }

    /** What stops an upload of {@code path}, when its storage does; empty for any other failure. */
    Optional<Problem> ofUpload(Throwable failure, AssetPath path, OptionalLong declaredLength) {
        if (DeviceFull.is(failure)) {
            return Optional.of(noRoom(path, declaredLength));
        }
        return notWritable(failure, "upload", path, "nothing was written");
    }

    /**
     * What stops the deletion of {@code path}, when its storage does; empty for any other failure. The replication
     * log and the change notice are written before the file goes, so replicas and edges never miss it: with the
     * device full, nothing is deleted.
     */
    Optional<Problem> ofDelete(Throwable failure, AssetPath path) {
        if (DeviceFull.is(failure)) {
            String message = "the origin's data directory has no room to record the deletion of " + path + " ("
                    + usableBytes() + " bytes are free); nothing was deleted: free space there by other means first";
            LOG.log(System.Logger.Level.WARNING, "delete refused (507): " + message);
            return Optional.of(new Problem(Problem.Kind.INSUFFICIENT_STORAGE, "insufficient_storage", message));
        }
        return notWritable(failure, "delete", path, "nothing was deleted");
    }

    private Optional<Problem> notWritable(Throwable failure, String change, AssetPath path, String outcome) {
        String code;
        String message;
        if (ReadOnlyStorage.is(failure)) {
            code = "storage_read_only";
            message = "the origin's storage for " + path + " is read-only (" + reason(failure) + "): " + outcome
                    + "; the data directory (" + root + "), replication.directory or notifications.queueDirectory "
                    + "was mounted read-only, or remounted so after disk errors";
        } else if (notPermitted(failure)) {
            code = "storage_not_permitted";
            message = "the origin may not change " + path + " (" + reason(failure) + "): " + outcome
                    + "; check the owner, mode and attributes of it and its directory under " + root;
        } else {
            return Optional.empty();
        }
        LOG.log(System.Logger.Level.WARNING, change + " refused (503): " + message);
        return Optional.of(new Problem(Problem.Kind.UNAVAILABLE, code, message));
    }

    /** EACCES ({@link AccessDeniedException}) or EPERM (an immutable or append-only file, a sticky directory). */
    private static boolean notPermitted(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AccessDeniedException
                    || t instanceof FileSystemException fs && "Operation not permitted".equals(fs.getReason())) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message: the C library's words, without Java's wrapping. */
    private static String reason(Throwable failure) {
        Throwable inner = failure;
        while (inner.getCause() != null && inner.getCause() != inner) {
            inner = inner.getCause();
        }
        return inner instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : String.valueOf(inner.getMessage());
    }
}
