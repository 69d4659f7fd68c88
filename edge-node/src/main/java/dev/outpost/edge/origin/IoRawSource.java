package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import io.undertow.client.ClientConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.PushBackStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * An origin connection's bytes as the socket gives them, below Undertow's client's push-back buffer, for two things
 * that client hides or races:
 *
 * <ul>
 *   <li><b>The raw lines of an answer's head</b>: a header line continued on the next (obs-fold: a line that starts
 *       with SP or HTAB, RFC 9112 §5.2), which Undertow's parser joins to the line before with a space, and a CR not
 *       followed by LF, which it takes for a line's end. The blocking client (OkHttp) reads lines to their LF and
 *       refuses both ({@link BadAnswers#badHead}: a line with no name, a CR in a value), so {@link IoOrigin}
 *       refuses them too ({@link #refused}).
 *   <li><b>The selector kept off the connection while a filler thread reads a body</b> ({@link #holdSelectorOff}):
 *       at the body's end Undertow's client resumes reading the connection on its IO thread (to see the origin
 *       close it); its read listener would read the bytes the origin sent beyond the body, and close the connection,
 *       before the filler's check ({@link IoFraming#beyondBody}) could see them, and the answer would be stored.
 *       Held off, that resumption is not carried out: the check sees whatever came by the body's end.
 * </ul>
 *
 * <p>Below the push-back buffer, directly over the socket, it sees every byte the origin sends exactly once and in
 * order; {@link #watch} points it at the head of the answer to the request about to be sent (the connection holds
 * nothing before it: {@link IoOrigin} checks a pooled one is clean), and it scans that head, and the final head
 * after interim (1xx) ones, then lets the body's bytes pass unlooked at. One per connection, made with it; a few
 * fields of state, nothing allocated per answer. Reached by reflection into XNIO's push-back conduit, looked up
 * once.
 */
final class IoRawSource extends AbstractStreamSourceConduit<StreamSourceConduit> {
    private static final VarHandle PUSH_BACK;
    private static final VarHandle CURRENT;

    static {
        try {
            Class<?> connection = Class.forName("io.undertow.client.http.HttpClientConnection");
            PUSH_BACK = MethodHandles.privateLookupIn(connection, MethodHandles.lookup())
                    .findVarHandle(connection, "pushBackStreamSourceConduit", PushBackStreamSourceConduit.class);
            CURRENT = MethodHandles.privateLookupIn(PushBackStreamSourceConduit.class, MethodHandles.lookup())
                    .findVarHandle(PushBackStreamSourceConduit.class, "current", StreamSourceConduit.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Not in a head: bytes pass unlooked at. */
    private static final int BODY = 0;
    private static final int STATUS_LINE = 1;
    private static final int LINE_START = 2;
    private static final int IN_LINE = 3;
    /** A CR was read: the next byte must be LF. */
    private static final int CR = 4;

    /** The most of a head kept for {@link #exactFields}: a larger one is refused by its size anyway. */
    private static final int MAX_KEPT = 64 * 1024;

    private int state = BODY;
    /** The current head's bytes after its status line, kept for {@link #exactFields}; grown once, reused. */
    private byte[] kept = new byte[512];
    private int keptLength;
    /** Whether a header line held a tab or two spaces in a row, which Undertow's parser turns into one space. */
    private boolean spaced;
    private byte previous;
    /** Whether the CR just read began a line: its LF then ends the head, else the line. */
    private boolean crAtLineStart;
    /** The status line's code, as its first three digits after the first space. */
    private boolean afterVersion;
    private int statusDigits;
    private int status;
    /** Why the final head must not be used, or null. */
    private String refused;
    /** Bytes of the answer read since {@link #expectHead}: the origin did answer once there is one. */
    private long answerBytes;
    /**
     * Whether resuming reads (the IO thread's selector watching the connection) is not carried out: set on the IO
     * thread before a filler thread takes the body, read by that thread (Undertow's client resumes reads inside the
     * filler's read of the body's end).
     */
    private volatile boolean selectorHeldOff;

    /** Over {@code socket}'s bytes; looks at nothing until {@link #expectHead}. */
    IoRawSource(StreamSourceConduit socket) {
        super(socket);
    }

    /**
     * The raw source of {@code c}, made and put below its push-back buffer the first time, pointed at the head of
     * the answer to the request about to be sent on it. Call it on the connection's IO thread, with nothing unread
     * on it (a new connection, or a pooled one found clean).
     */
    static IoRawSource watch(ClientConnection c) {
        PushBackStreamSourceConduit pushBack = (PushBackStreamSourceConduit) PUSH_BACK.get(c);
        StreamSourceConduit below = (StreamSourceConduit) CURRENT.get(pushBack);
        IoRawSource raw;
        if (below instanceof IoRawSource mine) {
            raw = mine;
        } else {
            raw = new IoRawSource(below);
            CURRENT.set(pushBack, raw);
        }
        raw.expectHead();
        return raw;
    }

    /** The next byte read starts an answer's head; the selector may watch the connection again. */
    void expectHead() {
        selectorHeldOff = false;
        state = STATUS_LINE;
        afterVersion = false;
        statusDigits = 0;
        status = 0;
        refused = null;
        answerBytes = 0;
        keptLength = 0;
        spaced = false;
        previous = 0;
    }

    /**
     * The final head's fields exactly as the origin sent them, when Undertow's parser changed some: it turns every
     * run of spaces and tabs inside a value into one space ({@code Expires: Thu Aug  8 02:01:18 2050} is a valid
     * asctime date, one space less is not), and a proxy forwards a field value as it came (RFC 9110 §5.5: only the
     * whitespace around it goes). Empty when no line held such a run, or the head was too large to keep.
     */
    Optional<Fields> exactFields() {
        if (!spaced || keptLength >= MAX_KEPT) {
            return Optional.empty();
        }
        Fields.Builder fields = Fields.builder();
        int line = 0;
        for (int i = 0; i < keptLength; i++) {
            if (kept[i] == '\n') {
                int end = i > line && kept[i - 1] == '\r' ? i - 1 : i;
                int colon = line;
                while (colon < end && kept[colon] != ':') {
                    colon++;
                }
                if (colon > line && colon < end) {
                    int from = colon + 1;
                    int to = end;
                    while (from < to && (kept[from] == ' ' || kept[from] == '\t')) {
                        from++;
                    }
                    while (to > from && (kept[to - 1] == ' ' || kept[to - 1] == '\t')) {
                        to--;
                    }
                    fields.add(new String(kept, line, colon - line, StandardCharsets.ISO_8859_1),
                            new String(kept, from, to - from, StandardCharsets.ISO_8859_1));
                }
                line = i + 1;
            }
        }
        return Optional.of(fields.build());
    }

    /**
     * Whether the origin sent any of its answer since the request went out: a failure after that is an answer the
     * client could not read (a head larger than its buffer, say), not an origin that is down.
     */
    boolean answerStarted() {
        return answerBytes > 0;
    }

    /** Bytes of the answer read since {@link #expectHead} while in a head (the head's size, when it is over). */
    long answerBytes() {
        return answerBytes;
    }

    /**
     * Why the final head read since {@link #expectHead} must not be used (as {@link BadAnswers#badHead} says
     * it), or null. A fold in an interim head does not count: those heads are skipped, as OkHttp skips them.
     */
    String refused() {
        return refused;
    }

    /**
     * From now until the next request on this connection, the IO thread's selector does not watch it: a filler
     * thread reads the body, and checks what follows it, alone. The connection is then closed, or given back to
     * its pool, which does not watch idle connections either ({@link IoFraming#unwatched}).
     */
    void holdSelectorOff() {
        selectorHeldOff = true;
    }

    @Override
    public void resumeReads() {
        if (!selectorHeldOff) {
            next.resumeReads();
        }
    }

    /** Also how the push-back buffer resumes reads while it holds bytes (they are readable at once). */
    @Override
    public void wakeupReads() {
        if (!selectorHeldOff) {
            next.wakeupReads();
        }
    }

    @Override
    public int read(ByteBuffer into) throws IOException {
        int from = into.position();
        int n = next.read(into);
        if (n > 0 && state != BODY) {
            scan(into, from, from + n);
        }
        return n;
    }

    @Override
    public long read(ByteBuffer[] into, int offset, int length) throws IOException {
        if (state == BODY) {
            return next.read(into, offset, length);
        }
        for (int i = offset; i < offset + length; i++) { // in a head: one buffer at a time keeps the scan simple
            if (into[i].hasRemaining()) {
                return read(into[i]);
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return state == BODY ? next.transferTo(position, count, target)
                : target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return state == BODY ? next.transferTo(count, throughBuffer, target)
                : Conduits.transfer(this, count, throughBuffer, target);
    }

    /** Looks at {@code bytes[from, to)}, the next bytes of the stream (absolute indexes: its position moves not). */
    private void scan(ByteBuffer bytes, int from, int to) {
        if (state != BODY) {
            answerBytes += to - from;
        }
        for (int i = from; i < to && state != BODY; i++) {
            byte b = bytes.get(i);
            if (state != STATUS_LINE) {
                keep(b);
            }
            switch (state) {
                case STATUS_LINE -> statusLine(b);
                case LINE_START -> lineStart(b);
                case IN_LINE -> inLine(b);
                default -> afterCr(b);
            }
        }
    }

    private void keep(byte b) {
        if (state == IN_LINE && (b == '\t' || b == ' ' && previous == ' ')) {
            spaced = true;
        }
        previous = b;
        if (keptLength == kept.length && kept.length < MAX_KEPT) {
            kept = java.util.Arrays.copyOf(kept, Math.min(MAX_KEPT, kept.length * 2));
        }
        if (keptLength < kept.length) {
            kept[keptLength++] = b;
        } else {
            keptLength = MAX_KEPT; // too large to keep: Undertow's fields stand
        }
    }

    private void statusLine(byte b) {
        if (b == '\r' || b == '\n') {
            inLine(b);
        } else if (!afterVersion) {
            afterVersion = b == ' ';
        } else if (statusDigits < 3 && b >= '0' && b <= '9') {
            status = status * 10 + (b - '0');
            statusDigits++;
        }
    }

    private void lineStart(byte b) {
        if (b == '\r') {
            crAtLineStart = true;
            state = CR;
        } else if (b == '\n') {
            headEnded();
        } else {
            if ((b == ' ' || b == '\t') && refused == null) {
                refused = "obs-fold: a header line continued on the next (RFC 9112 §5.2)";
            }
            state = IN_LINE;
        }
    }

    private void inLine(byte b) {
        if (b == '\r') {
            crAtLineStart = false;
            state = CR;
        } else if (b == '\n') {
            state = LINE_START;
        }
    }

    private void afterCr(byte b) {
        if (b != '\n') {
            // Undertow's parser ends a line (or the head) at a lone CR, OkHttp's does not: where this head ends is
            // no longer known, so nothing after it is looked at. Refused whatever head it is in.
            refused = "a CR not followed by LF in the head";
            state = BODY;
        } else if (crAtLineStart) {
            headEnded();
        } else {
            state = LINE_START;
        }
    }

    private void headEnded() {
        boolean interim = statusDigits == 3 && status >= 100 && status < 200 && status != 101;
        if (interim) {
            expectHead(); // the final head follows; what this one held is skipped with it
        } else {
            state = BODY;
        }
    }
}
