package dev.outpost.edge.http;

import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Conditionals;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.Fill;
import dev.outpost.edge.origin.OriginResponse;
import io.undertow.io.BufferWritableOutputStream;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import org.xnio.channels.Channels;
import org.xnio.channels.StreamSinkChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Relays a body to one client while it arrives from the origin (see {@link Fill}): the head goes out as soon as
 * the origin's did, then every byte as soon as the client can take it, at the client's pace, on the client's own
 * (virtual) thread — the origin is read by the fetch's filler, never by this. A body that breaks, or turns out
 * to disagree with its headers, ends in an aborted response: the client never gets its last byte.
 */
final class BodyRelay {
    private final ResponseWriter writer;
    private final Clock clock;
    private final Duration maxBodyWait;

    BodyRelay(ResponseWriter writer, Clock clock, Duration maxBodyWait) {
        this.writer = writer;
        this.clock = clock;
        this.maxBodyWait = maxBodyWait;
    }

    /** Relays the answer's body through {@code reader}, which it closes. Blocking: call on a virtual thread. */
    void relay(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader) {
        FetchOutcome.Filling f = answer.filling();
        boolean head = ex.getRequestMethod().equalToString("HEAD");
        try (reader) {
            if (!head && request.has("range") && f.plan().storable()) {
                // A range of a body being stored: answered from the stored object once it is in.
                Optional<FetchOutcome.Stored> stored = storedWhole(f);
                if (stored.isPresent()) {
                    writer.serveStored(ex, stored.get().object(), request, answer.outcome(), answer.status());
                    return;
                } // else the whole body goes out as a 200 (a server may ignore Range, RFC 9110 §14.2)
            }
            if (!startAnswer(ex, request, answer, head)) {
                return;
            }
            ex.startBlocking();
            OutputStream client = ex.getOutputStream();
            if (!reader.ready()) {
                client.flush(); // the head goes out now, not with the first body bytes the origin has yet to send
            }
            for (ByteBuffer bytes; (bytes = reader.next(maxBodyWait)) != null; ) {
                write(client, bytes);
                if (!reader.ready()) {
                    client.flush(); // what arrived so far reaches the client while the origin sends the rest
                }
            }
            client.close();
        } catch (IOException brokenOrGone) { // the body broke (Fill.Failed), or the client went away
            writer.abort(ex);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.abort(ex);
        }
    }

    /**
     * Writes the answer's status and headers; false when that was the whole answer (a 304, HEAD, 204), ended
     * already.
     */
    private boolean startAnswer(HttpServerExchange ex, Fields request, Answer.FromBody answer, boolean head) {
        FetchOutcome.Filling f = answer.filling();
        ResponseWriter.record(ex, answer.outcome());
        HeaderMap out = ex.getResponseHeaders();
        Fields headers = answer.withoutSetCookie() ? f.headers().without(List.of("set-cookie")) : f.headers();
        ResponseWriter.addOriginFields(ex, out, headers);
        long age = CachedObjects.initialAgeSeconds(f.originHeaders(), f.requestTime(), f.responseTime())
                + Math.max(0, Duration.between(f.responseTime(), clock.instant()).toSeconds());
        out.put(Headers.AGE, age);
        writer.markWith(out, answer.outcome(), answer.status().value(writer.cacheName()));
        if (Conditionals.notModified(request, f.status(), f.originHeaders(), f.responseTime())) {
            ex.setStatusCode(304);
            out.remove(Headers.CONTENT_TYPE);
            out.remove(Headers.CONTENT_ENCODING);
            out.remove(Headers.CONTENT_RANGE); // a 206 the client's validator matched: no part is sent
            ex.endExchange();
            return false;
        }
        ex.setStatusCode(f.status());
        f.originHeaders().first("content-length").map(OriginResponse::parseContentLength).filter(n -> n >= 0)
                .ifPresent(ex::setResponseContentLength);
        if (head || f.status() == 204 || f.status() == 304) {
            ex.endExchange();
            return false;
        }
        return true;
    }

    /**
     * origin.fetchOnIoThread: the answer's body is whole in its fill already, so head and body go
     * out without blocking, from the IO thread, in one send. Takes over {@code reader} and closes it.
     */
    void relayComplete(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader) {
        FetchOutcome.Filling f = answer.filling();
        boolean head = ex.getRequestMethod().equalToString("HEAD");
        List<ByteBuffer> body = new ArrayList<>();
        try {
            for (ByteBuffer bytes; (bytes = reader.next(Duration.ZERO)) != null; ) {
                body.add(bytes);
            }
        } catch (IOException | InterruptedException brokenOrNotWhole) {
            reader.close();
            writer.abort(ex);
            return;
        }
        if (!head && request.has("range") && f.plan().storable()
                && f.end().getNow(null) instanceof FetchOutcome.Stored s && s.kept()) {
            reader.close();
            writer.serveStored(ex, s.object(), request, answer.outcome(), answer.status());
            return;
        }
        if (!startAnswer(ex, request, answer, head)) {
            reader.close();
            return;
        }
        ex.getResponseSender().send(body.toArray(ByteBuffer[]::new), new IoCallback() {
            @Override
            public void onComplete(HttpServerExchange exchange, Sender sender) {
                reader.close();
                IoCallback.END_EXCHANGE.onComplete(exchange, sender);
            }

            @Override
            public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
                reader.close();
                IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
            }
        });
    }

    /**
     * origin.fetchOnIoThread, an answer whose body is still arriving (its filler reads it on a thread of its own):
     * from the IO thread that read the origin's head, the head and {@code withHead} (the body bytes that came with
     * it, the first the fill gets) go out at once, as far as the client's socket takes them without waiting; the
     * rest is relayed on {@code rest} from the fill, past those bytes, as {@link #relay} would. No hand-off before
     * the client's first byte. Takes over {@code reader} and closes it. Not for a request with a Range.
     */
    void relayFromHead(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader,
            ByteBuffer withHead, Executor rest) {
        if (!startAnswer(ex, request, answer, ex.getRequestMethod().equalToString("HEAD"))) {
            reader.close();
            return;
        }
        long sentWithHead = withHead.remaining();
        StreamSinkChannel client = ex.getResponseChannel();
        try {
            client.write(withHead);
            client.flush();
        } catch (IOException gone) {
            reader.close();
            writer.abort(ex);
            return;
        }
        // this thread no longer touches the channel: the executor's hand-off orders its writes before the rest
        rest.execute(() -> relayRest(ex, client, reader, withHead, sentWithHead));
    }

    /** The rest of {@link #relayFromHead}: blocking, as {@link #relay}'s body (and its end, as its stream's close). */
    private void relayRest(HttpServerExchange ex, StreamSinkChannel client, Fill.Reader reader, ByteBuffer withHead,
            long sentWithHead) {
        try (reader) {
            Channels.writeBlocking(client, withHead); // what the client's socket did not take at once
            long skip = sentWithHead; // the fill's first bytes are those: sent already
            for (ByteBuffer bytes; (bytes = reader.next(maxBodyWait)) != null; ) {
                int skipped = (int) Math.min(skip, bytes.remaining());
                bytes.position(bytes.position() + skipped);
                skip -= skipped;
                Channels.writeBlocking(client, bytes);
                if (!reader.ready()) {
                    Channels.flushBlocking(client); // what arrived so far reaches the client now
                }
            }
            client.shutdownWrites();
            Channels.flushBlocking(client);
        } catch (IOException brokenOrGone) { // the body broke (Fill.Failed), or the client went away
            writer.abort(ex);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.abort(ex);
        }
    }

    /** The stored object, once the body is in and was stored; empty when it was not. */
    private Optional<FetchOutcome.Stored> storedWhole(FetchOutcome.Filling f) throws InterruptedException {
        try {
            return f.end().get(maxBodyWait.toMillis(), TimeUnit.MILLISECONDS) instanceof FetchOutcome.Stored s
                    && s.kept() ? Optional.of(s) : Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        }
    }

    private static void write(OutputStream client, ByteBuffer bytes) throws IOException {
        if (client instanceof BufferWritableOutputStream buffers) {
            buffers.write(bytes); // direct buffers go to the socket without a copy onto the heap
            return;
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        client.write(copy);
    }
}
