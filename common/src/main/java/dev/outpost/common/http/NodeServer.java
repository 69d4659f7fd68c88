package dev.outpost.common.http;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import org.xnio.Options;

/**
 * A started Undertow listener with Outpost's limits applied, reporting the address it really bound (port 0 picks a
 * free one, which tests read back). Closing it stops the listener and its threads.
 */
public final class NodeServer implements AutoCloseable {
    /** How long closing waits for running handlers before interrupting them. */
    public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final Undertow undertow;
    private final InetSocketAddress address;

    private NodeServer(Undertow undertow, InetSocketAddress address) {
        this.undertow = undertow;
        this.address = address;
    }

    public static NodeServer start(ListenAddress listen, HttpHandler handler, ServerLimits limits) {
        return start(withLimits(Undertow.builder().addHttpListener(listen.port(), listen.host()), handler, limits),
                limits);
    }

    /**
     * A listener that takes request bodies up to {@code maxRequestBodyBytes}, for nodes with an upload API.
     * Undertow refuses any body above 2 MiB by default ({@code UndertowOptions.MAX_ENTITY_SIZE}); its chunked
     * decoder reads the limit when a request arrives, so it must be raised for the whole listener; the handlers
     * that do not take uploads keep their own, smaller, limits.
     */
    public static NodeServer start(ListenAddress listen, HttpHandler handler, ServerLimits limits,
            long maxRequestBodyBytes) {
        if (maxRequestBodyBytes < 1) {
            throw new IllegalArgumentException("maxRequestBodyBytes must be >= 1, was " + maxRequestBodyBytes);
        }
        return start(withLimits(Undertow.builder().addHttpListener(listen.port(), listen.host()), handler, limits)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, maxRequestBodyBytes), limits);
    }

    private static NodeServer start(Undertow.Builder builder, ServerLimits limits) {
        Undertow undertow = builder.build();
        undertow.start();
        capConnectionsPerClient(undertow, limits);
        return new NodeServer(undertow, boundAddress(undertow));
    }

    /** The options every Outpost listener shares, plain or TLS; the caller adds the listener itself. */
    static Undertow.Builder withLimits(Undertow.Builder builder, HttpHandler handler, ServerLimits limits) {
        builder.setHandler(new DateHeaderHandler(guarded(handler)))
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, limits.maxHeaderBytes())
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

    /**
     * The request guards every listener puts before the node's own pipeline, whatever the protocol: malformed header
     * fields are refused here once (HTTP/2 hands them over unchecked), so no node relies on its own handlers for it.
     */
    static HttpHandler guarded(HttpHandler handler) {
        return new RequestFieldsHandler(handler);
    }

    /** After start: one client address holds at most {@code limits.maxConnectionsPerClient} connections. */
    static void capConnectionsPerClient(Undertow undertow, ServerLimits limits) {
        try {
            ConnectionsPerClient.install(undertow, limits.maxConnectionsPerClient(), limits.maxConnections());
        } catch (RuntimeException e) {
            undertow.stop();
            throw e;
        }
    }

    /** The address a started server really bound (port 0 → the one the kernel chose). */
    static InetSocketAddress boundAddress(Undertow undertow) {
        return (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** {@code http://host:port}, for clients and tests. */
    public URI baseUri() {
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort());
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
