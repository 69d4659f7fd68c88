package dev.outpost.origin.content;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;

/**
 * One version of a master copy, held open: its size, validators and bytes all come from this one open file, so a
 * PUT that renames a new version over the path while it is served changes none of them. Close it when done.
 */
public final class OpenMaster implements AutoCloseable {
    private final MasterFile file;
    private final FileChannel channel;

    OpenMaster(MasterFile file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Path, size, modification time and digest of the open version. */
    public MasterFile file() {
        return file;
    }

    /** The open version's bytes; read them with positional reads ({@code read(buffer, position)}). */
    public FileChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
