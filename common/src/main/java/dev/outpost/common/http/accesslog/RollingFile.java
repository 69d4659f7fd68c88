package dev.outpost.common.http.accesslog;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An append-only file of whole lines that never grows past {@code maxBytes}: a line that would take it past the
 * bound first rolls it ({@code name} → {@code name.1} → ... → {@code name.<maxFiles>}, the oldest deleted), the
 * scheme logrotate and Java's own {@code FileHandler} use, with the current file keeping its name so {@code tail -F}
 * follows it. A line is never split between files; callers keep lines far below the bound ({@link AccessLog} cuts
 * the fields a client controls). Each line is one unbuffered write: nothing is lost in a crash that the OS already
 * has. Thread-safe.
 *
 * <p>Written here: the JDK's {@code FileHandler} names the current file {@code name.0} and rotates through lock
 * files, and no logging backend with a rolling appender (Logback, Log4j) is on the class path (nodes log through
 * {@code System.Logger} to java.util.logging).
 */
final class RollingFile implements AutoCloseable {
    private final Path path;
    private final long maxBytes;
    private final int maxFiles;
    private OutputStream out;
    private long size;

    RollingFile(Path path, long maxBytes, int maxFiles) {
        this.path = path.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        try {
            Path parent = this.path.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the access log " + this.path + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    synchronized void write(byte[] line) throws IOException {
        if (size > 0 && size + line.length > maxBytes) {
            roll();
        }
        out.write(line);
        size += line.length;
    }

    private void open() throws IOException {
        out = new FileOutputStream(path.toFile(), true);
        size = Files.size(path);
    }

    private void roll() throws IOException {
        out.close();
        if (maxFiles == 0) {
            Files.delete(path);
        } else {
            Files.deleteIfExists(rolled(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                if (Files.exists(rolled(i))) {
                    Files.move(rolled(i), rolled(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, rolled(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path rolled(int generation) {
        return path.resolveSibling(path.getFileName() + "." + generation);
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
