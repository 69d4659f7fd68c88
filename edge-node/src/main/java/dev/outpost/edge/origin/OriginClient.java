package dev.outpost.edge.origin;

import dev.outpost.common.http.FieldSyntax;
import dev.outpost.edge.config.OriginBreaker;
import dev.outpost.edge.config.OriginTimeouts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.EventListener;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends requests to a delivery service's origins with OkHttp: explicit connect/read/total timeouts, redirects
 * never followed (3xx is passed on), and failover to the next origin on connection errors and, for idempotent
 * requests, on 5xx and timeouts (a non-idempotent request moves on only when it was never delivered). The last
 * origin's 5xx is returned as is; when no origin answered at all, {@link OriginUnreachable} says whether it was a
 * timeout. A response whose head is larger than {@code limits.maxOriginHeaderBytes} or malformed (a name that is
 * not a token, a control character in a value, an obs-folded line) counts as a failed attempt: it is never relayed
 * nor stored, and with no other origin to ask the client gets 502.
 *
 * <p>An origin whose circuit is open ({@link OriginHealth}) is not asked at all: the request goes to the next
 * origin of the list, and when every origin's circuit is open it fails at once ({@link OriginUnreachable#down()}),
 * so a stale copy answers without anyone waiting for a timeout.
 */
public final class OriginClient implements AutoCloseable {
    /** Told about every origin attempt, for metrics. */
    public interface Listener {
        void originResponded(int status, Duration latency);

        void originFailed(Duration latency);

        /**
         * A body was refused because it disagrees with its headers, or not stored because the origin sent more
         * than its framing announced ({@code kind}: length, digest or origin-overran).
         */
        default void bodyRejected(String kind) {
        }

        /** A miss's origin answer came through the IO thread's client (origin.fetchOnIoThread). */
        default void originAnsweredOnIoThread() {
        }
    }

    /** How long an idle origin connection is kept (the IO thread's pools keep theirs as long: IoPool). */
    static final Duration POOL_KEEP_ALIVE = Duration.ofMinutes(1);

    private final OkHttpClient http;
    private final Clock clock;
    private final Listener listener;
    private final int maxHeaderBytes;
    private final OriginSlots slots;
    private final OriginHealth health;
    private final BadAnswers badAnswers = new BadAnswers();
    private final ScheduledExecutorService probes;
    private final PoolHousekeeping housekeeping;
    private final OriginTimeouts timeouts;

    public OriginClient(OriginTimeouts timeouts, Clock clock, Listener listener) {
        this(timeouts, clock, listener, 64 * 1024, new OriginSlots(1024, 1024, Duration.ofSeconds(5)), List.of());
    }

    /**
     * @param origins every origin the edge's services name: their circuits show from the start
     */
    public OriginClient(OriginTimeouts timeouts, Clock clock, Listener listener, int maxHeaderBytes,
            OriginSlots slots, Collection<URI> origins) {
        this.clock = clock;
        this.timeouts = timeouts;
        this.listener = listener;
        this.maxHeaderBytes = maxHeaderBytes;
        this.slots = slots;
        // One timer thread only waits; each probe runs (and blocks on its origin) in a virtual thread of its own,
        // so a probe hanging on one origin never delays another origin's.
        this.probes = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true)
                .name("outpost-origin-probes").factory());
        OriginBreaker breaker = timeouts.breaker();
        this.health = new OriginHealth(breaker, origins, origin -> probe(origin, breaker.probePath()),
                (task, delay) -> probes.schedule(() -> Thread.ofVirtual().name("outpost-origin-probe").start(task),
                        delay.toNanos(), TimeUnit.NANOSECONDS), clock);
        // Idle-connection housekeeping on its own one-second clock, not woken by every response (PoolHousekeeping).
        this.housekeeping = new PoolHousekeeping(Duration.ofSeconds(1));
        this.http = new OkHttpClient.Builder()
                .connectTimeout(timeouts.connect())
                .readTimeout(timeouts.read())
                .writeTimeout(timeouts.read())
                .callTimeout(timeouts.total())
                .followRedirects(false)
                .followSslRedirects(false)
                .connectionPool(housekeeping.pool(64, POOL_KEEP_ALIVE))
                .socketFactory(BlockingReadHook.sockets()) // a leader reading its body tells before it waits
                // each request's FramingCheck: an answer that outgrew its framing closes its connection
                .eventListenerFactory(call -> {
                    FramingCheck check = call.request().tag(FramingCheck.class);
                    return check != null ? check : EventListener.NONE;
                })
                .build();
    }

    /** The connect, read and total timeouts every origin request is held to (the IO thread's client's too). */
    OriginTimeouts timeouts() {
        return timeouts;
    }

    public OriginResponse send(List<URI> listed, OriginRequest request) throws OriginUnreachable {
        IOException last = null;
        List<URI> origins = new ArrayList<>();
        for (URI origin : listed) {
            if (health.allows(origin)) { // an open circuit's origin is not asked
                origins.add(origin);
            }
        }
        if (origins.isEmpty()) {
            throw OriginUnreachable.down("every origin of this service is down (circuit open): " + listed);
        }
        for (int i = 0; i < origins.size(); i++) {
            boolean lastOrigin = i == origins.size() - 1;
            OriginSlots.Slot slot;
            try {
                slot = slots.acquire(origins.get(i), request.client());
            } catch (OriginSlots.Busy busy) {
                throw OriginUnreachable.busy(busy.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OriginUnreachable("interrupted while waiting for an origin request slot", false, e);
            }
            Instant sent = clock.instant();
            long start = System.nanoTime();
            boolean handedOver = false;
            try {
                Response response = execute(origins.get(i), request);
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                listener.originResponded(response.code(), latency);
                health.responded(origins.get(i), response.code());
                String bad = BadAnswers.badHead(response.headers(), maxHeaderBytes);
                if (bad != null) {
                    response.close();
                    last = new IOException("origin " + origins.get(i) + " sent a bad response head: " + bad);
                    badAnswers.report(origins.get(i), "a bad response head: " + bad);
                    if (!request.idempotent()) {
                        break; // it was delivered: never send a POST twice
                    }
                    continue;
                }
                if (response.code() >= 500 && !lastOrigin && request.idempotent()) {
                    response.close();
                    continue;
                }
                handedOver = true;
                return new OriginResponse(response, sent, clock.instant(), slot);
            } catch (IOException e) {
                listener.originFailed(Duration.ofNanos(System.nanoTime() - start));
                if (BadAnswers.unreadableHead(e)) { // it answered, in a head too large to read: not a dead origin
                    health.succeeded(origins.get(i));
                    last = new IOException("origin " + origins.get(i) + " sent a bad response head: " + e, e);
                    badAnswers.report(origins.get(i), "a response head this client cannot read (over 256 KiB, or"
                            + " cut off): " + e.getCause());
                    if (!request.idempotent()) {
                        break;
                    }
                    continue;
                }
                health.failed(origins.get(i), e.toString());
                last = e;
                if (!request.idempotent() && !(e instanceof ConnectException)) {
                    break; // the origin may have acted on it: never send a POST twice
                }
            } finally {
                if (!handedOver) {
                    slot.close();
                }
            }
        }
        boolean timeout = last instanceof InterruptedIOException;
        throw new OriginUnreachable("no origin answered: " + last, timeout, last);
    }

    /**
     * Sends one request to one upstream that is not one of the service's origins (a shield's public URL): one
     * attempt under the same timeouts, caps and head checks, but outside the origins' circuit breakers and origin
     * metrics (the caller, {@link Upstream}, counts and fails over). A 5xx is returned as it is.
     */
    OriginResponse sendTo(URI upstream, OriginRequest request) throws OriginUnreachable {
        OriginSlots.Slot slot;
        try {
            slot = slots.acquire(upstream, request.client());
        } catch (OriginSlots.Busy busy) {
            throw OriginUnreachable.busy(busy.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OriginUnreachable("interrupted while waiting for a request slot", false, e);
        }
        Instant sent = clock.instant();
        boolean handedOver = false;
        try {
            Response response = execute(upstream, request);
            String bad = BadAnswers.badHead(response.headers(), maxHeaderBytes);
            if (bad != null) {
                response.close();
                throw new OriginUnreachable(upstream + " sent a bad response head: " + bad, false, null);
            }
            handedOver = true;
            return new OriginResponse(response, sent, clock.instant(), slot);
        } catch (OriginUnreachable e) {
            throw e;
        } catch (IOException e) {
            throw new OriginUnreachable(upstream + " did not answer: " + e, e instanceof InterruptedIOException, e);
        } finally {
            if (!handedOver) {
                slot.close();
            }
        }
    }

    /**
     * One exchange with {@code origin}. A GET or HEAD whose answer could not be read as HTTP ({@code Unexpected
     * status line}) is sent again, at most twice: the usual cause is not this request but a broken earlier answer on
     * the same pooled connection whose body outgrew its {@code Content-Length}, leaving bytes where the next status
     * line should be (nginx: "upstream sent more data than specified"). OkHttp retries a dead pooled connection
     * itself but not this; it drops the connection, so the next try goes out on another one. Other methods are
     * never sent again: the origin may have acted on them already. A third malformed answer is the origin's own.
     */
    private Response execute(URI origin, OriginRequest request) throws IOException {
        boolean safe = request.method().equals("GET") || request.method().equals("HEAD");
        for (int attempt = 1; ; attempt++) {
            try {
                return http.newCall(build(origin, request)).execute();
            } catch (ProtocolException unreadable) {
                if (!safe || attempt == 3) {
                    throw unreadable;
                }
            }
        }
    }

    /** Reports a body refused by the fetch that read it (OriginFetch), to the same listener as every attempt. */
    public void bodyRejected(String kind) {
        listener.bodyRejected(kind);
    }

    /**
     * A probe of an open circuit: {@code HEAD} of {@code path} below the origin's URL, with the request timeouts.
     * Empty when the origin answered with anything but 502, 503 or 504 (see {@link OriginHealth}).
     */
    Optional<String> probe(URI origin, String path) {
        String base = origin.toString();
        Request head = new Request.Builder().head()
                .url((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path).build();
        try (Response response = http.newCall(head).execute()) {
            return OriginHealth.isFailure(response.code()) ? Optional.of("probe answered HTTP " + response.code())
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("probe failed: " + e);
        }
    }

    /** Each origin's circuit breaker. */
    public OriginHealth health() {
        return health;
    }

    /** Origin requests open now and refused for want of a place (for metrics). */
    public OriginSlots slots() {
        return slots;
    }

    /** Whether {@code origin}'s circuit lets a request through ({@link OriginHealth}); for the IO thread's client. */
    boolean allows(URI origin) {
        return health.allows(origin);
    }

    /** An origin answered the IO thread's client ({@link IoOrigin}): metrics and circuit, as for this client's. */
    void ioResponded(URI origin, int status, Duration latency) {
        listener.originResponded(status, latency);
        health.responded(origin, status);
    }

    /** The IO thread's client handed an origin answer over (its body whole, or still on the connection). */
    void ioAnswered() {
        listener.originAnsweredOnIoThread();
    }

    /** The IO thread's client refused an origin's answer head (malformed, too large): warned, as on this client. */
    void ioBadAnswer(URI origin, String why) {
        badAnswers.report(origin, why);
    }

    /** An origin failed the IO thread's client (no connection, no head in time): metrics and circuit. */
    void ioFailed(URI origin, Duration latency, String why) {
        listener.originFailed(latency);
        health.failed(origin, why);
    }

    /** limits.maxOriginHeaderBytes: the largest origin head relayed or stored. */
    int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    private static Request build(URI origin, OriginRequest request) {
        String base = origin.toString();
        HttpUrl url = HttpUrl.get((base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + request.target());
        Headers.Builder headers = new Headers.Builder();
        request.headers().forEach((name, value) -> addChecked(headers, name, value));
        RequestBody body = null;
        if (request.body().length > 0 || requiresBody(request.method())) {
            MediaType type = request.headers().first("content-type").map(MediaType::parse).orElse(null);
            body = RequestBody.create(request.body(), type);
        }
        return new Request.Builder().url(url).headers(headers.build()).method(request.method(), body)
                .tag(FramingCheck.class, new FramingCheck()).build();
    }

    /**
     * Adds one field the client (or the edge) supplied, after the RFC 9110 syntax check every listener already
     * made: this is the last line before OkHttp, which writes values unchecked once they are not plain ASCII, so a
     * CR, LF or NUL that got here by some other path would become header lines or requests of our own upstream.
     * ASCII values take OkHttp's own checked {@code add}. Values with obs-text bytes (0x80-0xFF, which RFC 9110
     * allows) reach us one char per byte, while OkHttp writes UTF-8: bytes that are valid UTF-8 are handed over
     * decoded, so the origin gets the client's bytes exactly; other high bytes go as their UTF-8 encoding (still
     * only obs-text, never a control character).
     */
    static void addChecked(Headers.Builder headers, String name, String value) {
        FieldSyntax.problem(name, value, false).ifPresent(problem -> {
            throw new IllegalArgumentException("refusing to send a malformed field upstream: " + problem);
        });
        if (value.chars().allMatch(c -> c < 0x80)) {
            headers.add(name, value);
        } else {
            headers.addUnsafeNonAscii(name, asSentBytes(value));
        }
    }

    /** The text whose UTF-8 encoding is the bytes {@code latin1} stands for, when those bytes are UTF-8. */
    private static String asSentBytes(String latin1) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException notUtf8) {
            return latin1;
        }
    }

    /** OkHttp refuses these without a body (okhttp3.internal.http.HttpMethod.requiresRequestBody). */
    private static final java.util.Set<String> BODY_REQUIRED = java.util.Set.of("POST", "PUT", "PATCH", "PROPPATCH",
            "QUERY", "REPORT");

    private static boolean requiresBody(String method) {
        return BODY_REQUIRED.contains(method);
    }

    @Override
    public void close() {
        probes.shutdownNow();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        housekeeping.close();
    }
}
