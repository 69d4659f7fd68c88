package dev.outpost.edge.origin;

/**
 * What came over one plain-HTTP origin connection since the edge began writing its current request, counted below
 * the origin client's buffer: every byte the socket gave, and where the response head (after any 1xx heads) ended.
 * With the body length the client read, this tells whether the origin sent more than its answer: bytes that the
 * client would keep buffered and take for the start of the next answer on the same pooled connection (a response
 * smuggled after a body that outgrew its Content-Length would be cached under another URL). OkHttp does not look:
 * it reuses such a connection. nginx closes it ("upstream sent more data than specified").
 *
 * <p>One exchange at a time: HTTP/1.1 never has two on a connection, and the threads that write a request and read
 * its answer take turns through the client's own hand-offs; the fields are volatile for the turn-taking.
 */
final class RawFraming {
    /** A status line longer than this cannot be {@code HTTP/1.x 1xx}: only its first bytes are kept. */
    private static final int STATUS_PREFIX = 12;

    private volatile boolean reading;
    private volatile long received;
    /** Raw bytes up to and including the final head's empty line; -1 while that head is still coming. */
    private volatile long headEnd = -1;
    /** Bytes in the current line, carriage returns not counted (an empty line ends a head). */
    private int lineLength;
    private boolean inStatusLine = true;
    private final byte[] status = new byte[STATUS_PREFIX];
    private int statusLength;
    /** The body read as chunked framing, from the head's end on, whatever the head said: see {@link #chunk}. */
    private Chunks chunks = Chunks.SIZE;
    private long chunkLeft;
    private boolean chunkSizeSeen;
    private volatile long chunkedEnd = -1;
    /** Raw bytes up to the end of the answer {@link FramingCheck} found whole and alone; -1 while none was. */
    private volatile long answerEnd = -1;

    private enum Chunks { SIZE, EXTENSION, DATA, DATA_END, TRAILER_LINE_START, TRAILER_LINE, DONE, NOT_CHUNKED }

    /** The edge writes to the origin: after an answer was read, that is a new request. */
    void writing() {
        if (reading) {
            reading = false;
            received = 0;
            headEnd = -1;
            lineLength = 0;
            inStatusLine = true;
            statusLength = 0;
            chunks = Chunks.SIZE;
            chunkLeft = 0;
            chunkSizeSeen = false;
            chunkedEnd = -1;
            answerEnd = -1;
        }
    }

    /** {@code n} bytes came from the socket into {@code b} at {@code off}. */
    void read(byte[] b, int off, int n) {
        reading = true;
        long before = received;
        int i = 0;
        if (headEnd < 0) {
            while (i < n) {
                if (scan(b[off + i++])) {
                    headEnd = before + i;
                    break;
                }
            }
        }
        while (i < n && chunks != Chunks.DONE && chunks != Chunks.NOT_CHUNKED) {
            if (chunks == Chunks.DATA) { // a chunk's data is skipped, not scanned
                int skip = (int) Math.min(chunkLeft, n - i);
                i += skip;
                chunkLeft -= skip;
                if (chunkLeft == 0) {
                    chunks = Chunks.DATA_END;
                }
                continue;
            }
            chunk(b[off + i++]);
            if (chunks == Chunks.DONE) {
                chunkedEnd = before + i;
            }
        }
        received = before + n;
    }

    /**
     * One byte of the body read as chunked framing (RFC 9112 section 7.1): size line, data, CRLF, ..., the last
     * chunk, trailer lines, an empty line. A body that is not chunked stops it at once (its first byte is no hex
     * digit, or soon after), so a Content-Length body costs a byte or two; a chunked one costs its size lines.
     */
    private void chunk(byte c) {
        switch (chunks) {
            case SIZE -> {
                int digit = Character.digit(c, 16);
                if (digit >= 0 && chunkLeft < (1L << 58)) {
                    chunkLeft = chunkLeft * 16 + digit;
                    chunkSizeSeen = true;
                } else if (chunkSizeSeen && (c == ';' || c == ' ' || c == '\t')) {
                    chunks = Chunks.EXTENSION;
                } else if (chunkSizeSeen && c == '\n') {
                    chunks = chunkLeft == 0 ? Chunks.TRAILER_LINE_START : Chunks.DATA;
                } else if (!(chunkSizeSeen && c == '\r')) {
                    chunks = Chunks.NOT_CHUNKED;
                }
            }
            case EXTENSION -> {
                if (c == '\n') {
                    chunks = chunkLeft == 0 ? Chunks.TRAILER_LINE_START : Chunks.DATA;
                }
            }
            case DATA_END -> {
                if (c == '\n') {
                    chunks = Chunks.SIZE;
                    chunkSizeSeen = false;
                } else if (c != '\r') {
                    chunks = Chunks.NOT_CHUNKED;
                }
            }
            case TRAILER_LINE_START -> {
                if (c == '\n') {
                    chunks = Chunks.DONE;
                } else if (c != '\r') {
                    chunks = Chunks.TRAILER_LINE;
                }
            }
            case TRAILER_LINE -> {
                if (c == '\n') {
                    chunks = Chunks.TRAILER_LINE_START;
                }
            }
            default -> {
            }
        }
    }

    void read(int oneByte) {
        byte[] one = {(byte) oneByte};
        read(one, 0, 1);
    }

    /** One byte of a head; true when it ends the final (not 1xx) head. */
    private boolean scan(byte c) {
        if (c == '\n') {
            boolean empty = lineLength == 0;
            lineLength = 0;
            if (inStatusLine) {
                inStatusLine = false;
                return false;
            }
            if (!empty) {
                return false;
            }
            if (interim()) { // a 1xx head is followed by another head
                inStatusLine = true;
                statusLength = 0;
                return false;
            }
            return true;
        }
        if (c != '\r') {
            lineLength++;
            if (inStatusLine && statusLength < STATUS_PREFIX) {
                status[statusLength++] = c;
            }
        }
        return false;
    }

    /** {@code HTTP/1.x 1xx}: the status code's first digit is 1. */
    private boolean interim() {
        return statusLength >= 10 && status[0] == 'H' && status[8] == ' ' && status[9] == '1';
    }

    /** Whether the final head's end was seen since the request was written (if not, nothing can be said). */
    boolean headSeen() {
        return headEnd >= 0;
    }

    /** Bytes received beyond the head and {@code bodyBytes} of body (only when {@link #headSeen}). */
    long beyond(long bodyBytes) {
        return received - headEnd - bodyBytes;
    }

    /** The current answer ended with the last byte received so far: nothing came beyond its framing. */
    void answerEnded() {
        answerEnd = received;
    }

    /**
     * Bytes read from the socket that no answer accounts for, when the edge is about to write its next request:
     * those read after the last answer's end (into the client's buffer: OkHttp's health check of a connection
     * idle for 10 s reads from it), or every byte of an answer that was never found whole. 0 on a
     * connection that has read nothing yet.
     */
    long unanswered() {
        if (!reading) {
            return 0;
        }
        long end = answerEnd;
        return end < 0 ? received : received - end;
    }

    /** Bytes received beyond the end of a chunked body, or -1 when that end was not seen. */
    long beyondChunked() {
        long end = chunkedEnd;
        return end < 0 ? -1 : received - end;
    }
}
