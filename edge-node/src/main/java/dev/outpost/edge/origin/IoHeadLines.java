package dev.outpost.edge.origin;

import io.undertow.client.ClientConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.PushBackStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The IO thread's client's look at the raw lines of an answer's head, for what Undertow's client parser hides once
 * it has parsed them: a header line continued on the next (obs-fold: a line that starts with SP or HTAB, RFC 9112
 * §5.2), which that parser joins to the line before with a space, and a CR not followed by LF, which it takes for
 * a line's end. The blocking client (OkHttp) reads lines to their LF and refuses both
 * ({@link OriginClient#badHead}: a line with no name, a CR in a value), so the IO thread's must refuse them too.
 *
 * <p>It sits below the client's push-back buffer, directly over the socket, so it sees every byte the origin sends
 * exactly once and in order; {@link #watch} points it at the head of the answer to the request about to be sent
 * (the connection holds nothing before it: {@link IoOrigin} checks a pooled one is clean), and it scans that head,
 * and the final head after interim (1xx) ones, then lets the body's bytes pass unlooked at. One per connection,
 * made with it; a few fields of state, nothing allocated per answer. Reached by reflection into XNIO's push-back
 * conduit, looked up once.
 */
final class IoHeadLines extends AbstractStreamSourceConduit<StreamSourceConduit> {
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

    private int state = BODY;
    /** Whether the CR just read began a line: its LF then ends the head, else the line. */
    private boolean crAtLineStart;
    /** The status line's code, as its first three digits after the first space. */
    private boolean afterVersion;
    private int statusDigits;
    private int status;
    /** Why the final head must not be used, or null. */
    private String refused;

    /** Over {@code socket}'s bytes; looks at nothing until {@link #expectHead}. */
    IoHeadLines(StreamSourceConduit socket) {
        super(socket);
    }

    /**
     * The check of {@code c}, made and put below its push-back buffer the first time, pointed at the head of the
     * answer to the request about to be sent on it. Call it on the connection's IO thread, with nothing unread on
     * it (a new connection, or a pooled one found clean).
     */
    static IoHeadLines watch(ClientConnection c) {
        PushBackStreamSourceConduit pushBack = (PushBackStreamSourceConduit) PUSH_BACK.get(c);
        StreamSourceConduit below = (StreamSourceConduit) CURRENT.get(pushBack);
        IoHeadLines lines;
        if (below instanceof IoHeadLines mine) {
            lines = mine;
        } else {
            lines = new IoHeadLines(below);
            CURRENT.set(pushBack, lines);
        }
        lines.expectHead();
        return lines;
    }

    /** The next byte read starts an answer's head. */
    void expectHead() {
        state = STATUS_LINE;
        afterVersion = false;
        statusDigits = 0;
        status = 0;
        refused = null;
    }

    /**
     * Why the final head read since {@link #expectHead} must not be used (as {@link OriginClient#badHead} says
     * it), or null. A fold in an interim head does not count: those heads are skipped, as OkHttp skips them.
     */
    String refused() {
        return refused;
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
        for (int i = from; i < to && state != BODY; i++) {
            byte b = bytes.get(i);
            switch (state) {
                case STATUS_LINE -> statusLine(b);
                case LINE_START -> lineStart(b);
                case IN_LINE -> inLine(b);
                default -> afterCr(b);
            }
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
