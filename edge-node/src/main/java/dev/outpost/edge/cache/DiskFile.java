package dev.outpost.edge.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The layout of one object file of the disk tier: a fixed head (magic, the soft-purge flag, the lengths of what
 * follows), the metadata of a {@link CachedObject} (everything but the body), then the body.
 *
 * <pre>
 * 0   8 bytes  "OUTPOST1"
 * 8   1 byte   1 when soft-purged (rewritten in place: one byte, so never torn)
 * 9   4 bytes  metadata length m
 * 13  8 bytes  body length b
 * 21  m bytes  metadata (a stamp ordering writes, the body's CRC-32C, key, variant, status, headers, freshness
 *              facts, vary, tags)
 * 21+m b bytes body
 * </pre>
 * A file is whole only when its size is exactly {@code 21 + m + b}: anything else (a torn write a crash of the
 * machine left under a published name) is never read as an object. A file of the right size whose blocks never
 * reached the device fails its body checksum, which is checked on the first read after a restart.
 */
final class DiskFile {
    static final int HEAD_BYTES = 21;
    private static final byte[] MAGIC = "OUTPOST1".getBytes(StandardCharsets.US_ASCII);
    private static final int INVALIDATED_OFFSET = 8;
    /** Metadata past this is not an object file of ours (headers are bounded far below it). */
    private static final int MAX_META_BYTES = 4 * 1024 * 1024;

    /** What the head and metadata of a whole file say; {@code object} has an empty body. */
    record Head(long stamp, int bodyCrc, CachedObject object, long bodyOffset, long bodyLength) {
        long fileBytes() {
            return bodyOffset + bodyLength;
        }
    }

    private DiskFile() {
    }

    /**
     * Writes {@code object} to a new file at {@code path}; flushed to the device before returning when asked.
     * Returns the file's length: the bytes written, as the file is new (no {@code fstat} to ask it).
     */
    static long write(Path path, CachedObject object, long stamp, boolean fsync) throws IOException {
        ByteBuffer body = object.body();
        byte[] meta = meta(object, stamp, crc(body));
        ByteBuffer head = ByteBuffer.allocate(HEAD_BYTES);
        head.put(MAGIC).put((byte) (object.invalidated() ? 1 : 0)).putInt(meta.length).putLong(body.remaining());
        head.flip();
        long written = 0;
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // One gathering write (writev) for head, metadata and body: one system call per object, not three.
            ByteBuffer[] parts = {head, ByteBuffer.wrap(meta), body.duplicate()};
            while (parts[2].hasRemaining() || parts[1].hasRemaining() || parts[0].hasRemaining()) {
                written += out.write(parts);
            }
            if (fsync) {
                out.force(true);
            }
            return written;
        }
    }

    /** What the fixed head says, once checked against the file's size. */
    private record Lengths(boolean invalidated, int metaLength, long bodyLength) {
    }

    /** The fixed head at {@code head}'s position, if it is ours and accounts for exactly {@code size} bytes. */
    private static Optional<Lengths> lengths(ByteBuffer head, long size) {
        if (size < HEAD_BYTES) {
            return Optional.empty();
        }
        byte[] magic = new byte[MAGIC.length];
        head.get(magic);
        boolean invalidated = head.get() == 1;
        int metaLength = head.getInt();
        long bodyLength = head.getLong();
        if (!java.util.Arrays.equals(magic, MAGIC) || metaLength < 0 || metaLength > MAX_META_BYTES
                || bodyLength < 0 || size != HEAD_BYTES + (long) metaLength + bodyLength) {
            return Optional.empty();
        }
        return Optional.of(new Lengths(invalidated, metaLength, bodyLength));
    }

    /** The head of a whole file of ours; empty for anything else (wrong magic, torn, unreadable metadata). */
    static Optional<Head> read(FileChannel in) throws IOException {
        long size = in.size();
        if (size < HEAD_BYTES) {
            return Optional.empty();
        }
        ByteBuffer head = ByteBuffer.allocate(HEAD_BYTES);
        readFully(in, head, 0);
        head.flip();
        Optional<Lengths> lengths = lengths(head, size);
        if (lengths.isEmpty()) {
            return Optional.empty();
        }
        Lengths l = lengths.get();
        ByteBuffer meta = ByteBuffer.allocate(l.metaLength());
        readFully(in, meta, HEAD_BYTES);
        return parsed(meta.array(), 0, l);
    }

    /**
     * The head of a whole file of ours held entirely in {@code file} (array-backed, from position 0; its size is
     * {@code file.remaining()}): the same checks as {@link #read(FileChannel)}, without copying the metadata.
     */
    static Optional<Head> read(ByteBuffer file) {
        Optional<Lengths> lengths = lengths(file.duplicate(), file.remaining());
        return lengths.isEmpty() ? Optional.empty() : parsed(file.array(), file.arrayOffset() + HEAD_BYTES,
                lengths.get());
    }

    private static Optional<Head> parsed(byte[] bytes, int metaAt, Lengths l) {
        try {
            return Optional.of(parse(bytes, metaAt, l.metaLength(), l.invalidated(), HEAD_BYTES + (long) l.metaLength(),
                    l.bodyLength()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static void readFully(FileChannel in, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = in.read(into, at);
            if (n < 0) {
                throw new IOException("object file ended early");
            }
            at += n;
        }
    }

    /** Sets the soft-purge flag in place (one byte, so a crash leaves it either set or not). */
    static void markInvalidated(Path path, boolean fsync) throws IOException {
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(new byte[] {1}), INVALIDATED_OFFSET);
            if (fsync) {
                out.force(false);
            }
        }
    }

    /** CRC-32C of the buffer's remaining bytes (its position is left alone). */
    static int crc(ByteBuffer body) {
        CRC32C crc = new CRC32C();
        crc.update(body.duplicate());
        return (int) crc.getValue();
    }

    private static byte[] meta(CachedObject o, long stamp, int bodyCrc) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(stamp);
        out.writeInt(bodyCrc);
        text(out, o.key());
        text(out, o.variant());
        out.writeInt(o.status());
        List<String[]> lines = new ArrayList<>();
        o.headers().forEach((name, value) -> lines.add(new String[] {name, value}));
        out.writeInt(lines.size());
        for (String[] line : lines) {
            text(out, line[0]);
            text(out, line[1]);
        }
        out.writeLong(o.responseTime().getEpochSecond());
        out.writeInt(o.responseTime().getNano());
        duration(out, o.initialAge());
        duration(out, o.lifetime());
        duration(out, o.staleWhileRevalidate());
        duration(out, o.staleIfError());
        out.writeBoolean(o.alwaysRevalidate());
        out.writeBoolean(o.noStale());
        out.writeBoolean(o.shared());
        out.writeInt(o.vary().size());
        for (String name : o.vary()) {
            text(out, name);
        }
        out.writeInt(o.surrogateKeys().size());
        for (String tag : o.surrogateKeys()) {
            text(out, tag);
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static Head parse(byte[] bytes, int metaAt, int metaLength, boolean invalidated, long bodyOffset,
            long bodyLength) throws IOException {
        // A buffer over the array, not a DataInputStream: its ByteArrayInputStream locks on every read, and every
        // disk hit parses a head. Big-endian, as DataOutputStream wrote it; a short read throws BufferUnderflow.
        ByteBuffer in = ByteBuffer.wrap(bytes, metaAt, metaLength);
        long stamp = in.getLong();
        int bodyCrc = in.getInt();
        String key = text(in);
        String variant = text(in);
        int status = in.getInt();
        int lineCount = in.getInt();
        Fields.Builder headers = Fields.builder();
        for (int i = 0; i < lineCount; i++) {
            headers.add(text(in), text(in));
        }
        Instant responseTime = Instant.ofEpochSecond(in.getLong(), in.getInt());
        Duration initialAge = duration(in);
        Duration lifetime = duration(in);
        Duration swr = duration(in);
        Duration sie = duration(in);
        boolean alwaysRevalidate = in.get() != 0;
        boolean noStale = in.get() != 0;
        boolean shared = in.get() != 0;
        List<String> vary = new ArrayList<>();
        int varyCount = in.getInt();
        for (int i = 0; i < varyCount; i++) {
            vary.add(text(in));
        }
        Set<String> tags = new LinkedHashSet<>();
        int tagCount = in.getInt();
        for (int i = 0; i < tagCount; i++) {
            tags.add(text(in));
        }
        if (in.hasRemaining()) {
            throw new IOException("trailing metadata");
        }
        CachedObject object = new CachedObject(key, variant, status, headers.build(), ByteBuffer.allocate(0),
                responseTime, initialAge, lifetime, swr, sie, alwaysRevalidate, noStale, invalidated, vary, tags,
                shared, Partial.NONE);
        return new Head(stamp, bodyCrc, object, bodyOffset, bodyLength);
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String text(ByteBuffer in) throws IOException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IOException("bad string length " + length);
        }
        String text = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return text;
    }

    private static void duration(DataOutputStream out, Duration d) throws IOException {
        out.writeLong(d.getSeconds());
        out.writeInt(d.getNano());
    }

    private static Duration duration(ByteBuffer in) {
        return Duration.ofSeconds(in.getLong(), in.getInt());
    }
}
