package dev.outpost.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small tmpfs mounted over a test's directory, so that a write past its size fails as on a full device
 * ({@code No space left on device}); unmounted on close. Mounting needs root (CI runs as root): elsewhere the test
 * is skipped, not failed.
 */
public final class SmallTmpfs implements AutoCloseable {
    private final Path mountPoint;

    private SmallTmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code bytes} at {@code dir} (created if missing); skips the test when it cannot. */
    public static SmallTmpfs mount(Path dir, long bytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Assumptions.assumeTrue(RootCommands.run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs",
                dir.toString()) == 0,
                "cannot mount a tmpfs at " + dir + " (not root?)");
        return new SmallTmpfs(dir);
    }

    public Path path() {
        return mountPoint;
    }

    /** Bytes free on it now. */
    public long freeBytes() {
        try {
            return Files.getFileStore(mountPoint).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (RootCommands.run("umount", mountPoint.toString()) != 0) {
            // Something still holds a file open: detach it.
            RootCommands.run("umount", "-l", mountPoint.toString());
        }
    }
}
