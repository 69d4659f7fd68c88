package dev.outpost.common.http;

import dev.outpost.common.http.accesslog.AccessLog;
import dev.outpost.common.tls.TlsContexts;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.xnio.Options;
import org.xnio.Sequence;
import org.xnio.SslClientAuthMode;

/**
 * A started Undertow listener, plain or TLS, the one way every Outpost node opens a port. Whatever the node's own
 * pipeline, the listener puts the same guards in front of it, in this order:
 * <pre>
 * [{@link AccessLog}: trace context, access-log line, Server-Timing] → {@link Http2StreamLimit} (requests in
 * progress per HTTP/2 connection; rapid reset) → Date header → {@link RequestFieldsHandler}
 * (malformed fields, every protocol) → {@link SlowReaderHandler} (a client that stops reading its answer is cut
 * off) → {@link FramingHandler} (no request read after a chunked body) → {@link ErrorMappingHandler} (exceptions
 * become JSON errors) → the node's handler
 * </pre>
 * and it caps the connections one client address holds ({@link ConnectionsPerClient}). With TLS it speaks HTTP/1.1
 * and HTTP/2 (ALPN), offers only AEAD suites with forward secrecy ({@link TlsContexts#aeadCipherSuites}), picks the
 * certificate per handshake (SNI, renewals) and, for mutual TLS, requires a client certificate from our CA. It
 * reports the address it really bound (port 0 picks a free one, which tests read back); closing it stops the
 * listener and its threads.
 *
 * <pre>NodeServer.on(address, limits).tls(contexts).maxRequestBodyBytes(n).accessLog(log).start(handler)</pre>
 */
public final class NodeServer implements AutoCloseable {
    /**
     * How long stopping waits for running handlers before interrupting them. Short, because it comes after the drain
     * ({@link ServerLimits#drainTimeout}) gave the requests in progress their time: a handler still running then is
     * stuck (a client that stopped sending its body), not finishing.
     */
    public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private final Undertow undertow;
    private final InetSocketAddress address;
    private final String scheme;
    private final Drain drain;
    private final Duration drainTimeout;

    private NodeServer(Undertow undertow, InetSocketAddress address, String scheme, Drain drain,
            Duration drainTimeout) {
        this.undertow = undertow;
        this.address = address;
        this.scheme = scheme;
        this.drain = drain;
        this.drainTimeout = drainTimeout;
    }

    /** A listener on {@code listen} with {@code limits}; plain HTTP unless {@link Builder#tls} is given. */
    public static Builder on(ListenAddress listen, ServerLimits limits) {
        return new Builder(listen, limits);
    }

    /** What to start; {@link #start} applies it. */
    public static final class Builder {
        private final ListenAddress listen;
        private final ServerLimits limits;
        private Optional<TlsContexts.Server> tls = Optional.empty();
        private OptionalLong maxRequestBodyBytes = OptionalLong.empty();
        private Optional<AccessLog> accessLog = Optional.empty();

        private Builder(ListenAddress listen, ServerLimits limits) {
            this.listen = listen;
            this.limits = limits;
        }

        /** HTTPS with this context (and its client-certificate requirement) instead of plain HTTP. */
        public Builder tls(TlsContexts.Server contexts) {
            this.tls = Optional.of(contexts);
            return this;
        }

        /**
         * Takes request bodies up to {@code maxBytes}, for nodes with an upload API. Undertow refuses any body above
         * 2 MiB by default ({@code UndertowOptions.MAX_ENTITY_SIZE}); its chunked decoder reads the limit when a
         * request arrives, so it must be raised for the whole listener; the handlers that do not take uploads keep
         * their own, smaller, limits.
         */
        public Builder maxRequestBodyBytes(long maxBytes) {
            if (maxBytes < 1) {
                throw new IllegalArgumentException("maxRequestBodyBytes must be >= 1, was " + maxBytes);
            }
            this.maxRequestBodyBytes = OptionalLong.of(maxBytes);
            return this;
        }

        /**
         * Puts {@code log} in front of everything, the guards included: every request this listener reads gets a
         * trace context and a line, those the guards refuse too.
         */
        public Builder accessLog(AccessLog log) {
            this.accessLog = Optional.of(log);
            return this;
        }

        /** Binds and starts the listener with {@code handler} behind the guards. */
        public NodeServer start(HttpHandler handler) {
            Undertow.Builder builder = Undertow.builder();
            if (tls.isPresent()) {
                builder.addHttpsListener(listen.port(), listen.host(), tls.get().context())
                        .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                        .setServerOption(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                limits.maxConcurrentStreams()) // advertised only: Http2StreamLimit enforces it
                        .setSocketOption(Options.SSL_ENABLED_CIPHER_SUITES,
                                Sequence.of(TlsContexts.aeadCipherSuites(tls.get().context())))
                        .setSocketOption(Options.SSL_CLIENT_AUTH_MODE, tls.get().clientCertificateRequired()
                                ? SslClientAuthMode.REQUIRED : SslClientAuthMode.NOT_REQUESTED);
            } else {
                builder.addHttpListener(listen.port(), listen.host());
            }
            maxRequestBodyBytes.ifPresent(max -> builder.setServerOption(UndertowOptions.MAX_ENTITY_SIZE, max));
            HttpHandler guarded = guarded(handler, limits);
            Drain drain = new Drain(); // outermost: a request counts from its first handler to its completion
            withLimits(builder, limits).setHandler(drain.wrap(accessLog.map(log -> log.wrap(guarded))
                    .orElse(guarded)));
            Undertow undertow = builder.build();
            OpenFileLimit.check(listen.host() + ":" + listen.port(), limits.maxConnections());
            undertow.start();
            try {
                ConnectionsPerClient.install(undertow, limits.maxConnectionsPerClient(), limits.maxConnections());
            } catch (RuntimeException e) {
                undertow.stop();
                throw e;
            }
            InetSocketAddress bound = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
            return new NodeServer(undertow, bound, tls.isPresent() ? "https" : "http", drain,
                    limits.drainTimeout());
        }
    }

    /** The guards every listener puts before the node's own handler, whatever the protocol; see the class doc. */
    static HttpHandler guarded(HttpHandler handler, ServerLimits limits) {
        return new Http2StreamLimit(limits.maxConcurrentStreams(), new DateHeaderHandler(new RequestFieldsHandler(
                limits.maxHeaderBytes(), new SlowReaderHandler(limits.idleTimeout(), new FramingHandler(new ErrorMappingHandler(handler))))));
    }

    /** The options every Outpost listener shares, plain or TLS. */
    private static Undertow.Builder withLimits(Undertow.Builder builder, ServerLimits limits) {
        // Twice the limit for the parser: RequestFieldsHandler answers a head over the limit with a 431 and a JSON
        // body naming it; only a head past twice the limit meets the parser's own bare 400 (and is not read further).
        builder.setServerOption(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE,
                        2L * limits.maxHeaderBytes()))
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT,
                        (int) limits.requestParseTimeout().toMillis())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, (int) limits.idleTimeout().toMillis())
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) limits.idleTimeout().toMillis())
                // The raw request target is checked by the handlers; never let the parser decode %2F into '/'.
                .setServerOption(UndertowOptions.ALLOW_ENCODED_SLASH, false)
                // Date comes from DateHeaderHandler: Undertow's own goes stale once another server in the JVM stops
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
                // Without it, stop() waits for every worker task however long it blocks (a long poll, a stuck
                // write): a node would never finish shutting down. After this, running tasks are interrupted.
                .setServerOption(UndertowOptions.SHUTDOWN_TIMEOUT, (int) SHUTDOWN_TIMEOUT.toMillis())
                // Undertow's own parser refuses CL+TE, duplicate Content-Length, bad chunk sizes and control
                // characters (the edge's SmugglingIT proves it); this bounds how many connections one listener holds.
                .setSocketOption(Options.CONNECTION_HIGH_WATER, limits.maxConnections())
                .setSocketOption(Options.CONNECTION_LOW_WATER, limits.maxConnections())
                .setSocketOption(Options.TCP_NODELAY, true)
                .setSocketOption(Options.REUSE_ADDRESSES, true);
        if (limits.ioThreads() > 0) {
            builder.setIoThreads(limits.ioThreads());
        }
        if (limits.workerThreads() > 0) {
            builder.setWorkerThreads(limits.workerThreads());
        }
        return builder;
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** {@code http://host:port} (or {@code https://}), for clients and tests. */
    public URI baseUri() {
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create(scheme + "://" + host + ":" + address.getPort());
    }

    /**
     * Starts draining, and returns at once: the listener accepts no new connection (a client connecting now is
     * refused and tries another node), and every HTTP/1.x answer from now on closes its connection. Requests in
     * progress go on. For a node with several listeners, so that they drain side by side; {@link #close} waits.
     */
    public void startDraining() {
        if (drain.draining()) {
            return;
        }
        // The accepting socket first, then the flag health reports: a balancer told "draining" finds the port
        // closing already. (NIO closes a socket registered with selectors only once each IO thread's selector
        // has let go of it, moments later: until then the kernel may still complete a connection.)
        UndertowListeners.closeAccepting(undertow);
        drain.start();
    }

    /** Whether {@link #startDraining} (or {@link #close}) was called: a node's health answers 503 from then on. */
    public boolean draining() {
        return drain.draining();
    }

    /** Requests this listener started and has not completed. */
    public int requestsInProgress() {
        return drain.inProgress();
    }

    /**
     * Drains ({@link #startDraining}), waits up to {@code drainTimeout} for the requests in progress to complete,
     * then stops the listener: open connections are closed and handlers still running after
     * {@link #SHUTDOWN_TIMEOUT} are interrupted.
     */
    @Override
    public void close() {
        startDraining();
        try {
            drain.awaitIdle(drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop now: whoever interrupted wants it over
        } finally {
            undertow.stop();
        }
    }
}
