package dev.outpost.common.http;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http2.Http2ServerConnection;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the requests one HTTP/2 connection has in progress ({@code limits.maxConcurrentStreams}), and ends the
 * connection of a client that keeps going past it. Undertow advertises {@code SETTINGS_MAX_CONCURRENT_STREAMS} but
 * does not enforce it, and a stream the client resets is closed for the protocol while the node still works on it
 * (a miss goes on filling the cache): opening and resetting streams in a loop ("rapid reset", CVE-2023-44487) would
 * start unbounded work for the price of two frames, and Undertow's own reset budget does not count resets of
 * streams whose request was complete. So a request counts here from its first handler until its exchange
 * completes; one past the limit is refused with {@code REFUSED_STREAM} (RFC 9113 §5.1.2: nothing was done, the
 * client may retry), and a connection refused that many times is told {@code GOAWAY ENHANCE_YOUR_CALM} and closed,
 * as Go's and nginx's servers do. A client that respects the advertised limit is only refused when it reset streams
 * the node was still working on. HTTP/1.1 needs none of this: one request at a time per connection.
 */
public final class Http2StreamLimit implements HttpHandler {
    private static final Logger LOG = System.getLogger(Http2StreamLimit.class.getName());
    private static final AttachmentKey<Streams> STREAMS = AttachmentKey.create(Streams.class);
    /** Undertow gives a handler neither its stream's channel nor its id: read from the connection it runs on. */
    private static final VarHandle CHANNEL = field("channel", Http2Channel.class);
    private static final VarHandle REQUEST = field("requestChannel", Http2StreamSourceChannel.class);

    private final int maxStreams;
    private final HttpHandler next;

    public Http2StreamLimit(int maxStreams, HttpHandler next) {
        this.maxStreams = maxStreams;
        this.next = next;
    }

    /** One HTTP/2 connection's count (its attachments are the connection's, shared by its streams). */
    private static final class Streams {
        final AtomicInteger inProgress = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!(exchange.getConnection() instanceof Http2ServerConnection connection)) {
            next.handleRequest(exchange);
            return;
        }
        Streams streams = streams(connection);
        if (streams.inProgress.incrementAndGet() > maxStreams) {
            streams.inProgress.decrementAndGet();
            refuse(exchange, connection, streams.refused.incrementAndGet() == maxStreams + 1);
            return;
        }
        exchange.addExchangeCompleteListener((done, nextListener) -> {
            streams.inProgress.decrementAndGet();
            nextListener.proceed();
        });
        next.handleRequest(exchange);
    }

    /** Streams of one connection start on its IO thread, one after another: no two create the count at once. */
    private static Streams streams(Http2ServerConnection connection) {
        Streams streams = connection.getAttachment(STREAMS);
        if (streams == null) {
            streams = new Streams();
            connection.putAttachment(STREAMS, streams);
        }
        return streams;
    }

    /** Refuses this stream; with {@code goAway} (once per connection) the whole connection instead. */
    private static void refuse(HttpServerExchange exchange, Http2ServerConnection connection, boolean goAway)
            throws IOException {
        exchange.setStatusCode(429); // for the access log: the client gets the reset, not this answer
        Http2Channel channel = CHANNEL == null ? null : (Http2Channel) CHANNEL.get(connection);
        Http2StreamSourceChannel request = REQUEST == null ? null : (Http2StreamSourceChannel) REQUEST.get(connection);
        if (channel == null || request == null) {
            connection.close(); // resets this stream only (CANCEL): still nothing done for it
        } else if (goAway) {
            channel.sendGoAway(Http2Channel.ERROR_ENHANCE_YOUR_CALM);
        } else {
            channel.sendRstStream(request.getStreamId(), Http2Channel.ERROR_REFUSED_STREAM);
        }
        exchange.endExchange();
    }

    private static VarHandle field(String name, Class<?> type) {
        try {
            return MethodHandles.privateLookupIn(Http2ServerConnection.class, MethodHandles.lookup())
                    .findVarHandle(Http2ServerConnection.class, name, type);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "HTTP/2 streams past limits.maxConcurrentStreams are cancelled, not refused, and "
                    + "the connection is not told to go away: this Undertow has no Http2ServerConnection." + name
                    + " (" + e + ")");
            return null;
        }
    }
}
