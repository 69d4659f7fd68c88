package dev.outpost.edge.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * How a disk hit reads its object file: checked to be whole and the object asked for, with as few system calls and
 * copies as the file's size allows (docs/caching-tiers.md, "What a disk hit costs"). Stateless; the files are
 * {@link DiskDirectory}'s, their format {@link DiskFile}'s.
 */
final class DiskReads {
    /** Bodies up to this are copied to the heap on a read; larger ones are mapped. */
    static final int HEAP_READ_BYTES = 64 * 1024;
    /** Files up to this (the common small CDN object) are read whole, with one positional read, into one buffer. */
    static final int WHOLE_READ_BYTES = 64 * 1024;

    private DiskReads() {
    }

    /**
     * The object in {@code file}, checked to be whole, {@code fileBytes} long (as indexed) and {@code key}'s
     * {@code variant} (and, when asked, its body against its checksum). A file up to {@link #WHOLE_READ_BYTES} is
     * read with one positional read into one heap buffer and its body is a slice of it (open, pread, close: no
     * fstat, no separate head read, no second copy; {@link CachedObject#mapped}, as it is a view of a disk read);
     * a larger one's body is read into the heap or, past {@link #HEAP_READ_BYTES}, mapped. Its soft-purge flag is
     * the file's.
     */
    static CachedObject read(Path file, long fileBytes, String key, String variant, boolean verify)
            throws IOException {
        if (fileBytes <= WHOLE_READ_BYTES) {
            return readWhole(file, (int) fileBytes, key, variant, verify);
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            Optional<DiskFile.Head> head = DiskFile.read(in);
            if (head.isEmpty() || !head.get().object().key().equals(key)
                    || !head.get().object().variant().equals(variant)) {
                throw new IOException("not a whole object file of " + key);
            }
            DiskFile.Head h = head.get();
            ByteBuffer body;
            boolean mapped = h.bodyLength() > HEAP_READ_BYTES;
            if (!mapped) {
                body = ByteBuffer.allocate((int) h.bodyLength());
                DiskFile.readFully(in, body, h.bodyOffset());
                body.flip();
            } else {
                // Mapped, not copied: the page cache holds it; the mapping outlives the file if a purge unlinks it.
                body = in.map(FileChannel.MapMode.READ_ONLY, h.bodyOffset(), h.bodyLength());
            }
            if (verify && DiskFile.crc(body) != h.bodyCrc()) {
                throw new IOException("body checksum mismatch (its blocks never reached the device?)");
            }
            return withBody(h, body, mapped);
        }
    }

    private static CachedObject readWhole(Path file, int fileBytes, String key, String variant, boolean verify)
            throws IOException {
        // One byte more than indexed: a file longer than the one indexed is not it.
        ByteBuffer whole = ByteBuffer.allocate(fileBytes + 1);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            while (whole.hasRemaining()) {
                int n = in.read(whole, at);
                if (n < 0) {
                    break;
                }
                at += n;
                if (at == fileBytes) {
                    // This read asked for more and stopped here: a regular file's read is short only at its end,
                    // so the file is exactly as long as indexed (one pread, no fstat, no extra read to see EOF).
                    break;
                }
            }
        }
        whole.flip();
        Optional<DiskFile.Head> head = DiskFile.read(whole);
        if (whole.remaining() != fileBytes || head.isEmpty() || !head.get().object().key().equals(key)
                || !head.get().object().variant().equals(variant)) {
            throw new IOException("not a whole object file of " + key);
        }
        DiskFile.Head h = head.get();
        ByteBuffer body = whole.slice((int) h.bodyOffset(), (int) h.bodyLength());
        if (verify && DiskFile.crc(body) != h.bodyCrc()) {
            throw new IOException("body checksum mismatch (its blocks never reached the device?)");
        }
        return withBody(h, body, true); // a view of the file's buffer: copied before the memory tier holds it
    }

    private static CachedObject withBody(DiskFile.Head h, ByteBuffer body, boolean mapped) {
        CachedObject meta = h.object();
        return new CachedObject(meta.key(), meta.variant(), meta.status(), meta.headers(), body,
                meta.responseTime(), meta.initialAge(), meta.lifetime(), meta.staleWhileRevalidate(),
                meta.staleIfError(), meta.alwaysRevalidate(), meta.noStale(), meta.invalidated(), meta.vary(),
                meta.surrogateKeys(), meta.shared(), Partial.NONE, mapped);
    }
}
