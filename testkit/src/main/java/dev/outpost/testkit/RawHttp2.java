package dev.outpost.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.AsciiString;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An HTTP/2 client over TLS (ALPN h2) that sends header fields exactly as given: CR, LF, NUL, colons and upper case
 * included, which every real client (OkHttp, the JDK's, Netty's and Jetty's with their checks on) refuses to send.
 * Frames are written by hand (RFC 9113 §4, §6: nine bytes of header and a payload); HPACK is Netty's coder with its
 * validation off, so the fields go on the wire byte for byte (ISO-8859-1) and the server's answers are decoded by a
 * real decoder. One connection, requests one after another on fresh odd stream ids.
 */
public final class RawHttp2 implements AutoCloseable {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;

    /**
     * What came back on one stream.
     *
     * @param status    the response's {@code :status}, empty when the stream or connection ended without one
     * @param headers   the response's fields (pseudo-fields included)
     * @param body      the DATA received
     * @param resetCode the RST_STREAM error code, empty when the stream was not reset
     * @param goAway    the server sent GOAWAY or closed the connection before the stream ended
     */
    public record Reply(Optional<Integer> status, Map<String, String> headers, String body,
            Optional<Integer> resetCode, boolean goAway) {
        /** Refused as the RFC allows: a 4xx answer, a reset stream or a closed connection; never a success. */
        public boolean refused() {
            return status.map(s -> s >= 400 && s < 500).orElse(resetCode.isPresent() || goAway);
        }
    }

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder =
            new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, false);
    private int nextStream = 1;
    private boolean closedByServer;

    private RawHttp2(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        out.flush();
    }

    /** Connects to 127.0.0.1:{@code port}, asking for {@code serverName} by SNI, and speaks HTTP/2 or fails. */
    public static RawHttp2 connect(SSLSocketFactory tls, String serverName, int port) throws IOException {
        SSLSocket socket = (SSLSocket) tls.createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName(serverName)));
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            socket.close();
            throw new IOException("the server did not choose h2 by ALPN but '" + socket.getApplicationProtocol() + "'");
        }
        return new RawHttp2(socket);
    }

    /** A GET of {@code path} on {@code authority} with the extra fields given as name/value pairs. */
    public Reply get(String authority, String path, String... fields) throws IOException {
        return send("GET", authority, path, new byte[0], fields);
    }

    /**
     * Sends one request, {@code :method}, {@code :scheme https}, {@code :authority} and {@code :path} first, then
     * {@code fields} (name/value pairs, sent as they are), and a body when not empty; waits up to {@code 5 s} for
     * the stream's end.
     */
    public Reply send(String method, String authority, String path, byte[] body, String... fields)
            throws IOException {
        List<String> all = new ArrayList<>(List.of(":method", method, ":scheme", "https", ":authority", authority,
                ":path", path));
        all.addAll(List.of(fields));
        return sendFields(all, body);
    }

    /** Sends exactly these name/value pairs (pseudo-fields included) as one request. */
    public Reply sendFields(List<String> namesAndValues, byte[] body) throws IOException {
        int stream = nextStream;
        nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers(false, false, 16);
        for (int i = 0; i + 1 < namesAndValues.size(); i += 2) {
            headers.add(bytes(namesAndValues.get(i)), bytes(namesAndValues.get(i + 1)));
        }
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, block);
            byte[] encoded = new byte[block.readableBytes()];
            block.readBytes(encoded);
            frame(HEADERS, END_HEADERS | (body.length == 0 ? END_STREAM : 0), stream, encoded);
            if (body.length > 0) {
                frame(DATA, END_STREAM, stream, body);
            }
            out.flush();
        } catch (SocketException | SSLException e) {
            // The server refused the request from its header block and closed the connection before the rest
            // (the body) was written: how soon that happens is a matter of scheduling, so it is the same refusal
            // as a GOAWAY read after the body, not an error of the exchange.
            closedByServer = true;
            return new Reply(Optional.empty(), Map.of(), "", Optional.empty(), true);
        } catch (Http2Exception e) {
            throw new IOException("HPACK encoding failed", e);
        } finally {
            block.release();
        }
        return await(stream, Duration.ofSeconds(5));
    }

    private Reply await(int stream, Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Optional<Integer> status = Optional.empty();
        while (!closedByServer) {
            int length;
            int type;
            int flags;
            int id;
            byte[] payload;
            try {
                length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                type = in.readUnsignedByte();
                flags = in.readUnsignedByte();
                id = in.readInt() & 0x7fffffff;
                payload = new byte[length];
                in.readFully(payload);
            } catch (EOFException | SocketTimeoutException e) {
                closedByServer = !(e instanceof SocketTimeoutException);
                return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1), Optional.empty(), true);
            } catch (IOException e) {
                closedByServer = true; // reset
                return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1), Optional.empty(), true);
            }
            switch (type) {
                case SETTINGS -> {
                    if ((flags & ACK) == 0) {
                        if (!answer(SETTINGS, ACK, 0, new byte[0])) {
                            return closed(status, headers, body);
                        }
                    }
                }
                case PING -> {
                    if ((flags & ACK) == 0) {
                        if (!answer(PING, ACK, 0, payload)) {
                            return closed(status, headers, body);
                        }
                    }
                }
                case GOAWAY -> {
                    closedByServer = true;
                    return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1), Optional.empty(),
                            true);
                }
                case RST_STREAM -> {
                    if (id == stream) {
                        int code = ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16)
                                | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
                        return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1),
                                Optional.of(code), false);
                    }
                }
                case HEADERS, CONTINUATION -> {
                    block.write(fragment(type, flags, payload));
                    if ((flags & END_HEADERS) != 0) {
                        Http2Headers decoded = decode(id, block.toByteArray());
                        block.reset();
                        if (id == stream) {
                            decoded.forEach(e -> headers.put(e.getKey().toString(), e.getValue().toString()));
                            status = Optional.ofNullable(decoded.status()).map(s -> Integer.parseInt(s.toString()));
                        }
                    }
                    if (id == stream && (flags & END_STREAM) != 0 && type == HEADERS) {
                        return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1),
                                Optional.empty(), false);
                    }
                }
                case DATA -> {
                    byte[] data = fragment(type, flags, payload);
                    if (id == stream) {
                        body.write(data);
                    }
                    if (length > 0) { // give the flow-control credit back at once, for the connection and stream
                        if (!answer(0x8, 0, 0, windowIncrement(length)) || !answer(0x8, 0, id,
                                windowIncrement(length))) {
                            return closed(status, headers, body);
                        }
                    }
                    if (id == stream && (flags & END_STREAM) != 0) {
                        return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1),
                                Optional.empty(), false);
                    }
                }
                default -> {
                    // WINDOW_UPDATE, PRIORITY, PUSH_PROMISE (never enabled): nothing to do
                }
            }
        }
        return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1), Optional.empty(), true);
    }

    /**
     * Writes a frame the protocol requires in answer to the server's (an ACK, flow-control credit); false when the
     * server has already closed the connection, which ends the exchange like a GOAWAY.
     */
    private boolean answer(int type, int flags, int stream, byte[] payload) {
        return sendFrame(type, flags, stream, payload);
    }

    private static Reply closed(Optional<Integer> status, Map<String, String> headers, ByteArrayOutputStream body) {
        return new Reply(status, headers, body.toString(StandardCharsets.ISO_8859_1), Optional.empty(), true);
    }

    /** One frame as read off the wire, for tests that drive the protocol themselves. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
    }

    /**
     * Writes one frame exactly as given (no checks: floods, resets and half-sent header blocks are what the tests
     * using it send) and flushes it; false when the server has closed the connection.
     */
    public boolean sendFrame(int type, int flags, int stream, byte[] payload) {
        try {
            frame(type, flags, stream, payload);
            out.flush();
            return true;
        } catch (IOException e) {
            closedByServer = true;
            return false;
        }
    }

    /** The HPACK block of these name/value pairs (pseudo-fields included) for a new stream, and its id. */
    public Map.Entry<Integer, byte[]> headerBlock(String... namesAndValues) throws IOException {
        int stream = nextStream;
        nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers(false, false, 16);
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            headers.add(bytes(namesAndValues[i]), bytes(namesAndValues[i + 1]));
        }
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, block);
            byte[] encoded = new byte[block.readableBytes()];
            block.readBytes(encoded);
            return Map.entry(stream, encoded);
        } catch (Http2Exception e) {
            throw new IOException("HPACK encoding failed", e);
        } finally {
            block.release();
        }
    }

    /**
     * The fields of a HEADERS frame read with {@link #readFrame} (a block in one frame, as small answers are): every
     * such frame must go through here, in order, to keep the HPACK decoder's table in step with the server's.
     */
    public Map<String, String> fieldsOf(Frame headers) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        decode(headers.stream(), fragment(headers.type(), headers.flags(), headers.payload()))
                .forEach(e -> fields.put(e.getKey().toString(), e.getValue().toString()));
        return fields;
    }

    /** The next frame the server sends within {@code wait}; empty on a timeout, the end or a reset of the connection. */
    public Optional<Frame> readFrame(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int id = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == GOAWAY) {
                closedByServer = true;
            }
            return Optional.of(new Frame(type, flags, id, payload));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            closedByServer = true;
            return Optional.empty();
        }
    }

    /** Whether the server has closed the connection (GOAWAY, EOF or reset). */
    public boolean closedByServer() {
        return closedByServer;
    }

    private Http2Headers decode(int stream, byte[] block) throws IOException {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            return decoder.decodeHeaders(stream, buf);
        } catch (Http2Exception e) {
            throw new IOException("the server's header block does not decode", e);
        } finally {
            buf.release();
        }
    }

    /** A frame's payload without its padding and priority fields. */
    private static byte[] fragment(int type, int flags, byte[] payload) {
        int start = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0 && type != CONTINUATION) {
            end -= payload[0] & 0xff;
            start = 1;
        }
        if (type == HEADERS && (flags & PRIORITY) != 0) {
            start += 5;
        }
        byte[] fragment = new byte[end - start];
        System.arraycopy(payload, start, fragment, 0, fragment.length);
        return fragment;
    }

    private static byte[] windowIncrement(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }

    private static AsciiString bytes(String text) {
        return new AsciiString(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
