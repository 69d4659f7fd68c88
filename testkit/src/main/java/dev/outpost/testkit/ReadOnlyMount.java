package dev.outpost.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A directory made read-only by the kernel, as a file system mounted {@code ro} (or remounted so after disk errors)
 * is: a bind mount of the directory over itself, remounted read-only, so every write there fails with EROFS
 * ({@code Read-only file system}) while reads go on; unmounted on close, which makes it writable again. Mounting needs
 * root (CI runs as root): elsewhere the test is skipped, not failed. Remounting fails while a file there is open
 * for writing, so make it read-only before a node opens its files there, as an operator's read-only mount is.
 */
public final class ReadOnlyMount implements AutoCloseable {
    private final Path dir;

    private ReadOnlyMount(Path dir) {
        this.dir = dir;
    }

    /** Makes {@code dir} (which must exist) read-only; skips the test when it cannot. */
    public static ReadOnlyMount over(Path dir) {
        Assumptions.assumeTrue(Files.isDirectory(dir), dir + " is not a directory");
        Assumptions.assumeTrue(RootCommands.run("mount", "--bind", dir.toString(), dir.toString()) == 0,
                "cannot bind-mount " + dir + " (not root?)");
        if (RootCommands.run("mount", "-o", "remount,ro,bind", dir.toString()) != 0) {
            RootCommands.run("umount", dir.toString());
            Assumptions.abort("cannot remount " + dir + " read-only");
        }
        return new ReadOnlyMount(dir);
    }

    @Override
    public void close() {
        if (RootCommands.run("umount", dir.toString()) != 0) {
            RootCommands.run("umount", "-l", dir.toString()); // a file there is still open: detach it
        }
    }
}
