package dev.outpost.edge.origin;

import static dev.outpost.edge.origin.IoCounts.count;

import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.edge.origin.IoCounts.Count;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.UndertowClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSourceChannel;

/**
 * With {@code origin.fetchOnIoThread} (on by default; off by default in a JVM run with
 * {@code -Doutpost.fetchOnIoThread=false}; {@code -Doutpost.ioMissCounts=true} prints the counts at exit): a GET to a plain-HTTP origin sent and read
 * without blocking, on the calling XNIO IO thread (the client connection's own), with Undertow's client over
 * keep-alive connections pooled per IO thread and origin, so a small miss never leaves that thread. A body that
 * comes whole with its head (at most {@link #MAX_BODY} bytes) is read into memory here; any other answer is handed
 * over open, its body read by a thread that may block ({@link IoChannelBody}): the origin is never asked twice for
 * it. Held to the blocking client's rules: origin.timeouts on this thread's timer, the origin slots (taken by the
 * caller), head checks ({@link BadAnswers#badHead}), the origins' circuits and metrics, overrun detection
 * ({@link IoFraming}), interim answers skipped. Before a head, what cannot be done here is given back to the caller
 * ({@link Answered#failed}, {@link Answered#timedOut}), which asks the next origin or answers the failure. Every path
 * is counted ({@link IoCounts}).
 *
 * <p>Its connections idle in {@link IoPool}s, one per IO thread. No TLS: misses of {@code https} origins take the
 * blocking path (docs/edge.md, "Misses on the IO thread", lists what else does).
 */
public final class IoOrigin {
    /** Whether origin.fetchOnIoThread is on by default in this JVM (tests check the path's counts then). */
    public static final boolean ENABLED = OriginTimeouts.FETCH_ON_IO_THREAD_DEFAULT;
    /** The largest body read here: what a leader reads on its own thread on the blocking path too. */
    static final int MAX_BODY = (int) StreamedFetch.LEADER_READS_MAX_BYTES;
    /** The first buffer for a body of unknown length (chunked) read here; doubled as it fills. */
    private static final int FIRST_UNKNOWN_BYTES = 8 * 1024;

    /** The only method this client sends: a miss's fetch. */
    static final HttpString METHOD = Methods.GET;
    /**
     * An unparsable head up to this size is malformed, not too large for this client (Undertow's client parses heads
     * of tens of KiB): answered as a bad head instead of being asked for again the blocking way.
     */
    private static final int SMALL_HEAD = 8 * 1024;

    private IoOrigin() {
    }

    /** Whether a request may go out again after a failure that may have come after it was delivered. */
    static boolean repeatable(HttpString method) {
        return Methods.GET.equals(method) || Methods.HEAD.equals(method);
    }

    /** Told once: the answer, that the origin took too long, or why there is none (nothing was answered yet). */
    public interface Answered {
        void answered(OriginResponse response);

        /** The origin timed out before its head came (origin.timeouts): as the blocking client's timeout. */
        void timedOut(String message);

        void failed(Count why, Exception cause);
    }

    /**
     * Sends {@code GET target} to {@code origin} (plain {@code http}) on {@code io}, which must be the calling
     * thread; {@code done} is called on it. The origin's {@code timeouts} hold as on the blocking client: connect,
     * read (for the head once the request went out, then between body bytes) and total (from here to the body's
     * end), on this IO thread's timer.
     */
    public static void get(XnioIoThread io, ByteBufferPool buffers, URI origin, boolean moreOrigins, String target,
            Fields headers, OriginTimeouts timeouts, int maxHeaderBytes, OriginSlots.Slot slot, OriginClient reports,
            Clock clock, Answered done) {
        Exchange x = new Exchange(io, buffers, origin, moreOrigins, target, headers, timeouts, maxHeaderBytes, slot,
                reports, clock, done);
        x.deadline = io.executeAfter(() -> x.timedOut(Count.TIMEOUT_TOTAL, "timeout: no answer from " + origin
                + " within origin.total (" + timeouts.total() + ")"), timeouts.total().toNanos(),
                TimeUnit.NANOSECONDS);
        ClientConnection pooled = IoPool.of(io).take(origin, IoOrigin::usable);
        if (pooled != null) {
            count(Count.REUSED_CONNECTION);
            x.send(pooled, true);
        } else {
            x.connect();
        }
    }

    /**
     * Whether a pooled connection may carry the next request: open, and nothing came on it while it sat idle.
     * Bytes an origin sent unasked (a second answer after one that ended, as a desync would) would otherwise be
     * taken for the next answer: an idle connection is not watched ({@link IoFraming#unwatched}). Checked here without waiting, as the blocking client's {@code OriginSocket} checks
     * before it writes; such a connection (or one the origin ended) is closed.
     */
    private static boolean usable(ClientConnection c) {
        if (!c.isOpen()) {
            return false;
        }
        if (IoFraming.cameUnasked(c)) {
            count(Count.UNASKED_BYTES_AT_REUSE);
            IoUtils.safeClose(c);
            return false;
        }
        return true;
    }

    /** One GET, from connection to whole body. Every method runs on its IO thread. */
    private static final class Exchange {
        private final XnioIoThread io;
        private final ByteBufferPool buffers;
        private final URI origin;
        /** Whether the service lists origins after this one: a server error then moves on, as the blocking way. */
        private final boolean moreOrigins;
        private final String target;
        private final Fields headers;
        private final OriginTimeouts timeouts;
        /** limits.maxOriginHeaderBytes, as the blocking client checks it ({@link BadAnswers#badHead}). */
        private final int maxHeaderBytes;
        /** This request's place under the origin caps: handed over with the answer, else given back here. */
        private final OriginSlots.Slot slot;
        /** Where attempts are told, for the origin's metrics and circuit (as the blocking client tells them). */
        private final OriginClient reports;
        /** When this attempt started ({@link System#nanoTime}), for its latency. */
        private final long startNanos = System.nanoTime();
        private final Clock clock;
        private final Answered done;
        /** When the answer must be whole ({@link System#nanoTime}): origin.total from the start. */
        private final long deadlineNanos;
        private ClientConnection connection;
        /** The connection's bytes below Undertow's client: its head's raw lines (obs-fold), the selector held off. */
        private IoRawSource rawSource;
        /** The origin said it closes the connection after this answer: closed here after the overrun check. */
        private boolean originCloses;
        private boolean settled;
        /** A close-delimited body: nothing can follow it, and its connection ends with it (never pooled). */
        private boolean toTheClose;
        private Instant sent;
        /** origin.total, until the answer is handed over. */
        private XnioExecutor.Key deadline;
        /** The step in progress: connect (origin.connect), or waiting for the head (origin.read). */
        private XnioExecutor.Key step = XnioExecutor.Key.IMMEDIATE;

        Exchange(XnioIoThread io, ByteBufferPool buffers, URI origin, boolean moreOrigins, String target,
                Fields headers, OriginTimeouts timeouts, int maxHeaderBytes, OriginSlots.Slot slot,
                OriginClient reports, Clock clock, Answered done) {
            this.maxHeaderBytes = maxHeaderBytes;
            this.slot = slot;
            this.reports = reports;
            this.io = io;
            this.buffers = buffers;
            this.origin = origin;
            this.moreOrigins = moreOrigins;
            this.target = target;
            this.headers = headers;
            this.timeouts = timeouts;
            this.clock = clock;
            this.done = done;
            this.deadlineNanos = System.nanoTime() + timeouts.total().toNanos();
        }

        private Duration latency() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }

        /** Times the step that starts now: {@code limit}, then {@code why}. */
        private void timeStep(Duration limit, Count why, String message) {
            step.remove();
            step = io.executeAfter(() -> timedOut(why, message + " (" + limit + ")"), limit.toNanos(),
                    TimeUnit.NANOSECONDS);
        }

        void connect() {
            count(Count.NEW_CONNECTION);
            timeStep(timeouts.connect(), Count.TIMEOUT_CONNECT, "timeout: no connection to " + origin
                    + " within origin.connect");
            UndertowClient.getInstance().connect(new ClientCallback<>() {
                @Override
                public void completed(ClientConnection c) {
                    if (settled) {
                        IoUtils.safeClose(c);
                        return;
                    }
                    send(c, false);
                }

                @Override
                public void failed(IOException e) {
                    fail(Count.FALLBACK_CONNECT_FAILED, e);
                }
            }, origin, io, buffers, OptionMap.EMPTY);
        }

        void send(ClientConnection c, boolean pooled) {
            connection = c;
            ClientRequest request = new ClientRequest().setMethod(METHOD).setPath(basePath() + target);
            headers.forEach((name, value) -> request.getRequestHeaders().add(HttpString.tryFromString(name), value));
            request.getRequestHeaders().put(Headers.HOST, origin.getRawAuthority());
            rawSource = IoRawSource.watch(c);
            sent = clock.instant();
            timeStep(timeouts.read(), Count.TIMEOUT_HEAD, "timeout: no answer head from " + origin
                    + " within origin.read");
            ClientCallback<ClientExchange> onResponse = new ClientCallback<>() {
                @Override
                public void completed(ClientExchange exchange) {
                    head(exchange);
                }

                @Override
                public void failed(IOException e) {
                    sendFailed(c, pooled, e);
                }
            };
            c.sendRequest(request, new ClientCallback<>() {
                @Override
                public void completed(ClientExchange exchange) {
                    exchange.setResponseListener(onResponse);
                }

                @Override
                public void failed(IOException e) {
                    sendFailed(c, pooled, e);
                }
            });
        }

        private String basePath() {
            String path = origin.getRawPath() == null ? "" : origin.getRawPath();
            return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        }

        /**
         * A pooled connection the origin closed meanwhile is the usual cause: once more on a new one. Only because
         * this client sends nothing but GET ({@link #METHOD}): a request that may have been delivered is sent again
         * only when it is safe to repeat, as on the blocking client.
         */
        private void sendFailed(ClientConnection c, boolean pooled, IOException e) {
            IoUtils.safeClose(c);
            if (rawSource != null && rawSource.answerStarted()) {
                unreadable(e, rawSource.answerBytes());
                return;
            }
            if (pooled && !settled && repeatable(METHOD)) {
                count(Count.RETRIED_ON_NEW_CONNECTION);
                connect();
            } else {
                fail(Count.FALLBACK_SEND_FAILED, e);
            }
        }

        /**
         * The origin answered, and Undertow's client could not parse the answer: not an origin that is down, so
         * nothing against its circuit. A head already over maxOriginHeaderBytes, or a small one (malformed), is a
         * bad head as the blocking client would find it: 502, asked once. A large one within the limit may be one
         * this client cannot hold that the blocking client reads (up to 256 KiB): the blocking path asks again.
         */
        private void unreadable(IOException e, long headBytes) {
            if (headBytes > maxHeaderBytes || headBytes <= SMALL_HEAD) {
                String why = headBytes > maxHeaderBytes ? "a response head over limits.maxOriginHeaderBytes ("
                        + maxHeaderBytes + ")" : "a response head this edge cannot parse (" + e + ")";
                reports.ioBadAnswer(origin, why);
                fail(Count.BAD_HEAD, new IOException("origin " + origin + " sent a bad response head: " + why, e));
            } else {
                fail(Count.FALLBACK_UNREADABLE_ANSWER, e);
            }
        }

        private void head(ClientExchange exchange) {
            if (settled) {
                return;
            }
            step.remove();
            ClientResponse response = exchange.getResponse();
            int status = response.getResponseCode();
            if (status >= 100 && status < 200 && status != 101) {
                // An interim answer (103 Early Hints, a stray 100): skipped, as OkHttp skips it; Undertow's client
                // is made to parse the next head for this same request, and this method runs again with it.
                count(Count.INTERIM_SKIPPED);
                timeStep(timeouts.read(), Count.TIMEOUT_HEAD, "timeout: no final answer head from " + origin
                        + " within origin.read");
                IoFraming.readNextHead(connection);
                return;
            }
            Instant received = clock.instant();
            Fields head = rawSource.exactFields().orElseGet(() -> parsed(response));
            reports.ioResponded(origin, status, latency());
            String bad = rawSource.refused(); // what the parser hid (obs-fold), before what it shows
            if (bad == null) {
                bad = BadAnswers.badHead(head, maxHeaderBytes);
            }
            if (bad != null) { // never relayed nor stored: a failed attempt, as on the blocking client
                reports.ioBadAnswer(origin, "a bad response head: " + bad);
                fail(Count.BAD_HEAD, new IOException("origin " + origin + " sent a bad response head: " + bad));
                return;
            }
            if (status >= 500 && moreOrigins) {
                fail(Count.SERVER_ERROR_MORE_ORIGINS, new IOException("origin " + origin + " answered " + status));
                return;
            }
            StreamSourceChannel channel = exchange.getResponseChannel();
            String length = response.getResponseHeaders().getFirst(Headers.CONTENT_LENGTH);
            String coding = response.getResponseHeaders().getLast(Headers.TRANSFER_ENCODING);
            boolean chunked = coding != null && Headers.CHUNKED.equals(new HttpString(coding.strip()));
            if (status == 101) { // switching protocols, unasked: the blocking path asks again
                fail(Count.FALLBACK_INTERIM, null);
                return;
            }
            if (!chunked && length == null && status != 204 && status != 304) {
                // Close-delimited (HTTP/1.1 or 1.0): the body ends when the origin closes. Undertow's client reads
                // it to the close through its own conduit (FinishableStreamSourceConduit), whose end finishes the
                // exchange and closes the connection (it marked it close-requested): read like a chunked body.
                count(Count.CLOSE_DELIMITED);
                toTheClose = true;
            }
            long announced = chunked || length == null ? -1 : OriginResponse.parseContentLength(length);
            if (!chunked && length != null && announced < 0) {
                fail(Count.FALLBACK_BAD_CONTENT_LENGTH, null);
                return;
            }
            if (status == 204 || status == 304) {
                announced = 0;
            }
            // Connection: close on a framed answer: closed here, once what follows the body was looked at
            originCloses = (chunked || length != null) && IoFraming.takeOverClose(connection);
            if (announced > MAX_BODY) {
                count(Count.CONTINUED_LARGE_BODY);
                readWhatCame(channel, status, head, received, announced);
                return;
            }
            // Known length: one byte more than announced, as the channel ends at the framing's end (a read returns
            // -1 there). Unknown (chunked, or to the close): grown up to one byte over MAX_BODY.
            ByteBuffer body = ByteBuffer.allocate(announced >= 0 ? (int) announced + 1 : FIRST_UNKNOWN_BYTES);
            read(channel, body, announced, status, head, received);
        }

        /** The head's fields as Undertow's parser read them. */
        private static Fields parsed(ClientResponse response) {
            Fields.Builder fields = Fields.builder();
            for (HeaderValues values : response.getResponseHeaders()) {
                String name = values.getHeaderName().toString();
                for (String value : values) {
                    fields.add(name, value);
                }
            }
            return fields.build();
        }

        /**
         * A large body: what of it came with the head (up to one buffer of {@link #MAX_BODY}) is read without
         * waiting, so that it reaches the client with its head ({@code IoMissFlow}); the rest is read elsewhere.
         */
        private void readWhatCame(StreamSourceChannel channel, int status, Fields head, Instant received,
                long announced) {
            ByteBuffer first = ByteBuffer.allocate(MAX_BODY);
            try {
                while (first.hasRemaining() && channel.read(first) > 0) {
                    // Undertow's push-back buffer first (what came with the head), then the kernel's
                }
            } catch (IOException e) {
                count(Count.CONTINUED_BODY_BROKEN);
                continueElsewhere(channel, status, head, received, first.flip(), announced, e);
                return;
            }
            continueElsewhere(channel, status, head, received, first.flip(), announced, null);
        }

        /**
         * Reads a small body as far as it came, without waiting: whole, it is the answer; when a read would wait
         * (or fails) the answer goes on from here on a thread that may block, as the blocking path hands its relay
         * over before it waits, so the head reaches the client at once.
         */
        private void read(StreamSourceChannel channel, ByteBuffer body, long announced, int status, Fields head,
                Instant received) {
            while (true) {
                if (announced < 0 && !body.hasRemaining()) {
                    if (body.capacity() > MAX_BODY) {
                        count(Count.CONTINUED_LARGE_BODY);
                        continueElsewhere(channel, status, head, received, body.flip(), announced, null);
                        return;
                    }
                    body = ByteBuffer.allocate(Math.min(body.capacity() * 2, MAX_BODY + 1)).put(body.flip());
                }
                int n;
                try {
                    n = channel.read(body);
                } catch (IOException e) {
                    count(Count.CONTINUED_BODY_BROKEN);
                    continueElsewhere(channel, status, head, received, body.flip(), announced, e);
                    return;
                }
                if (n < 0 && (announced < 0 || body.position() == announced)) {
                    settled = true;
                    deadline.remove();
                    step.remove();
                    int length = body.position();
                    // on this IO thread, before its selector could let Undertow's client read any excess itself
                    Optional<String> overran = toTheClose ? Optional.empty() // nothing follows a close
                            : IoFraming.beyondBody(connection, length);
                    if (overran.isPresent()) {
                        count(Count.OVERRAN);
                        IoUtils.safeClose(connection);
                    } else if (toTheClose) {
                        IoUtils.safeClose(connection); // (Undertow's client closes it at the body's end too)
                    } else {
                        release(connection);
                    }
                    count(Count.ORIGIN_ANSWERED);
                    reports.ioAnswered();
                    done.answered(OriginResponse.buffered(status, head, Arrays.copyOf(body.array(), length), overran,
                            slot, sent, received));
                    return;
                }
                if (n <= 0) { // a read would wait, or the body ended short (its reader reports it)
                    count(announced < 0 ? Count.CONTINUED_UNKNOWN_LENGTH : Count.CONTINUED_SLOW_BODY);
                    continueElsewhere(channel, status, head, received, body.flip(), announced, null);
                    return;
                }
            }
        }

        /**
         * Hands the open answer over: its body, from {@code already} on, is read through a blocking stream over
         * the channel ({@link IoChannelBody}), by the thread the caller chooses; the connection is given back to
         * this IO thread's pool when the body was read to its end, and closed otherwise.
         */
        private void continueElsewhere(StreamSourceChannel channel, int status, Fields head, Instant received,
                ByteBuffer already, long contentLength, IOException broken) {
            settled = true;
            deadline.remove();
            step.remove();
            channel.getReadSetter().set(null);
            channel.suspendReads(); // from now on its reader waits for it, not this thread's selector
            // ... also at the body's end, where Undertow's client would resume reads: what follows the body is for
            // the filler's check to see (IoFraming.beyondBody), not for this thread's read listener to take first
            rawSource.holdSelectorOff();
            ClientConnection c = connection;
            // a close-delimited body: nothing follows it, and its connection is closed (not pooled) at its end
            Function<Long, Optional<String>> beyondBody = toTheClose ? bodyBytes -> Optional.empty()
                    : bodyBytes -> IoFraming.beyondBody(c, bodyBytes);
            Runnable ended = toTheClose ? () -> IoUtils.safeClose(c) : () -> io.execute(() -> release(c));
            IoChannelBody body = new IoChannelBody(already, broken, channel, contentLength, timeouts.read(),
                    deadlineNanos, beyondBody, ended, () -> IoUtils.safeClose(c));
            count(Count.ORIGIN_ANSWERED);
            reports.ioAnswered();
            done.answered(OriginResponse.streaming(status, head, body, slot, sent, received));
        }

        /**
         * Ends this exchange without an answer, once (false when it was settled already): its timers stop, its
         * connection is closed (whatever comes on it now is not read) and its slot is given back.
         */
        private boolean settleUnanswered() {
            if (settled) {
                return false;
            }
            settled = true;
            deadline.remove();
            step.remove();
            if (connection != null) {
                IoUtils.safeClose(connection);
            }
            slot.close();
            return true;
        }

        /** The origin took too long before its head: answered as the blocking client's timeout is. */
        void timedOut(Count why, String message) {
            if (!settleUnanswered()) {
                return;
            }
            reports.ioFailed(origin, latency(), message);
            count(why);
            done.timedOut(message);
        }

        void fail(Count why, Exception cause) {
            if (!settleUnanswered()) {
                return;
            }
            if (why == Count.FALLBACK_CONNECT_FAILED || why == Count.FALLBACK_SEND_FAILED) { // as an IOException there
                reports.ioFailed(origin, latency(), String.valueOf(cause));
            }
            count(why);
            done.failed(why, cause);
        }

        private void release(ClientConnection c) {
            if (originCloses) {
                IoUtils.safeClose(c);
                return;
            }
            if (!c.isOpen()) {
                return;
            }
            // Not watched while idle (as OkHttp's pool): whatever comes meanwhile is found when it is taken
            // again (usable), the one check that holds however the selector's rounds fall.
            IoFraming.unwatched(c);
            IoPool.of(io).give(origin, c, System.nanoTime());
        }
    }
}
