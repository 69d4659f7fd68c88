package dev.outpost.common.http.accesslog;

import dev.outpost.common.json.Json;
import dev.outpost.common.trace.TraceContext;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A node's access log: one line per request on every listener it is given to ({@code NodeServer.on(..)
 * .accessLog(log)}), in one schema for edges, origins and control planes (docs/logging.md), as JSON or text, to
 * stdout, stderr, nowhere, or a size-bounded {@link RollingFile}. It also carries the node's trace handling (every
 * listener with a log takes and makes W3C trace contexts, even when the lines go nowhere) and, when asked,
 * {@code Server-Timing} on responses (off by default: it tells clients how long the node and its origin took).
 * Closing it closes the file.
 *
 * <p>What is never written: request headers other than Host and User-Agent (so no Authorization, Cookie or API
 * key), and the values of query parameters named in {@link AccessLogSettings#redactQueryParameters()}. What a client
 * controls is cut to a bounded length, so a line stays far below the file bound.
 */
public final class AccessLog implements HandlerWrapper, AutoCloseable {
    private static final Logger LOG = System.getLogger(AccessLog.class.getName());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    static final int MAX_TARGET_CHARS = 8192;
    static final int MAX_FIELD_CHARS = 1024;

    private final String node;
    private final String role;
    private final AccessLogSettings settings;
    private final boolean serverTiming;
    private final Clock clock;
    private final Optional<RollingFile> file;
    private final Optional<PrintStream> stream;
    private final Set<String> redacted;
    private final AtomicBoolean failing = new AtomicBoolean();

    private AccessLog(String node, String role, AccessLogSettings settings, boolean serverTiming, Clock clock) {
        this.node = node;
        this.role = role;
        this.settings = settings;
        this.serverTiming = serverTiming;
        this.clock = clock;
        this.redacted = Set.copyOf(settings.redactQueryParameters());
        this.file = settings.file().map(path -> new RollingFile(path, settings.maxFileBytes(), settings.maxFiles()));
        this.stream = switch (settings.destination()) {
            case "stdout" -> Optional.of(System.out);
            case "stderr" -> Optional.of(System.err);
            default -> Optional.empty();
        };
    }

    /**
     * Opens the log of a node; a file destination is created (with its directories) now, so a path that cannot be
     * written fails start-up naming it.
     *
     * @param role        {@code edge}, {@code origin} or {@code control-plane}
     * @param defaultNode the node name when {@code accessLog.node} is not set
     */
    public static AccessLog open(AccessLogSettings settings, String role, String defaultNode, boolean serverTiming,
            Clock clock) {
        try {
            return new AccessLog(settings.node().orElse(defaultNode), role, settings, serverTiming, clock);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("accessLog.destination: " + e.getMessage(), e);
        }
    }

    /** Where the lines go: {@code stdout}, {@code stderr}, {@code none} or the file's absolute path. */
    public String where() {
        return file.map(f -> f.path().toString()).orElse(settings.destination());
    }

    @Override
    public HttpHandler wrap(HttpHandler next) {
        return new AccessLogHandler(this, next);
    }

    Clock clock() {
        return clock;
    }

    boolean serverTiming() {
        return serverTiming;
    }

    boolean writes() {
        return file.isPresent() || stream.isPresent();
    }

    /** Writes the exchange's line; a failing destination is reported once, never fails the request. */
    void write(HttpServerExchange ex, AccessRecord record, long endNanos) {
        try {
            byte[] line = (settings.lineFormat() == AccessLogSettings.Format.JSON ? json(ex, record, endNanos)
                    : text(ex, record, endNanos)).getBytes(StandardCharsets.UTF_8);
            if (file.isPresent()) {
                file.get().write(line);
            } else {
                PrintStream out = stream.get();
                synchronized (out) {
                    out.write(line, 0, line.length);
                    out.flush();
                }
            }
            if (failing.compareAndSet(true, false)) {
                LOG.log(Level.WARNING, "access log " + where() + " is written again");
            }
        } catch (IOException | RuntimeException e) {
            if (failing.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "access log " + where() + " cannot be written, lines are lost until it can: "
                        + e);
            }
        }
    }

    String json(HttpServerExchange ex, AccessRecord r, long endNanos) {
        TraceContext trace = r.trace();
        long upstream = r.upstreamNanos();
        AccessLine line = new AccessLine(TIME.format(r.received), node, role, client(ex),
                ex.getRequestMethod().toString(), target(ex), ex.getProtocol().toString(), ex.getStatusCode(),
                Math.max(0, ex.getResponseBytesSent()), millis(endNanos - r.startNanos), r.outcome().orElse(null),
                ex.getResponseHeaders().getFirst("Cache-Status"), upstream > 0 ? millis(upstream) : null,
                trace.traceId(), trace.spanId(), trace.parentSpanId().orElse(null),
                cut(ex.getRequestHeaders().getFirst(Headers.USER_AGENT), MAX_FIELD_CHARS),
                cut(ex.getRequestHeaders().getFirst(Headers.HOST), MAX_FIELD_CHARS), r.requestId());
        return Json.mapper().writeValueAsString(line) + "\n";
    }

    /**
     * The text format, the edge's line before the JSON one existed, with the node and trace appended: {@code time
     * client method host target status bytes outcome origin=<ms>ms total=<ms>ms node=<name> trace=<id> span=<id>
     * parent=<id or ->}.
     */
    String text(HttpServerExchange ex, AccessRecord r, long endNanos) {
        TraceContext trace = r.trace();
        return TIME.format(r.received) + " " + client(ex) + " " + ex.getRequestMethod() + " "
                + printable(ex.getHostName()) + " " + printable(target(ex)) + " " + ex.getStatusCode() + " "
                + Math.max(0, ex.getResponseBytesSent()) + " " + r.outcome().orElse("-")
                + " origin=" + r.upstreamNanos() / 1_000_000 + "ms total=" + (endNanos - r.startNanos) / 1_000_000
                + "ms node=" + node + " trace=" + trace.traceId() + " span=" + trace.spanId() + " parent="
                + trace.parentSpanId().orElse("-") + "\n";
    }

    /** {@code cache;desc=HIT, origin;dur=12.5, total;dur=13.1}: what the node knows as the response commits. */
    static String serverTiming(AccessRecord r, long nowNanos) {
        StringBuilder sb = new StringBuilder(64);
        r.outcome().ifPresent(o -> sb.append("cache;desc=").append(o).append(", "));
        if (r.upstreamNanos() > 0) {
            sb.append("origin;dur=").append(millis(r.upstreamNanos())).append(", ");
        }
        return sb.append("total;dur=").append(millis(nowNanos - r.startNanos)).toString();
    }

    /** The client's {@code X-Request-Id} when it is a plain token, else this node's span id. */
    static String requestId(String header, TraceContext trace) {
        return header != null && REQUEST_ID.matcher(header).matches() ? header : trace.spanId();
    }

    private static String client(HttpServerExchange ex) {
        InetSocketAddress source = ex.getSourceAddress();
        return source == null || source.getAddress() == null ? "-" : source.getAddress().getHostAddress();
    }

    /** The raw path and query as the client sent them, credentials in the query replaced, cut to a bound. */
    private String target(HttpServerExchange ex) {
        String query = ex.getQueryString();
        String target = query == null || query.isEmpty() ? ex.getRequestURI()
                : ex.getRequestURI() + "?" + redact(query, redacted);
        return cut(target, MAX_TARGET_CHARS);
    }

    static String redact(String query, Set<String> names) {
        String[] parameters = query.split("&", -1);
        for (int i = 0; i < parameters.length; i++) {
            int eq = parameters[i].indexOf('=');
            if (eq >= 0 && names.contains(decoded(parameters[i].substring(0, eq)))) {
                parameters[i] = parameters[i].substring(0, eq) + "=REDACTED";
            }
        }
        return String.join("&", parameters);
    }

    private static String decoded(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return name.toLowerCase(Locale.ROOT);
        }
    }

    private static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max) + "...";
    }

    /** Spaces and control characters would break the text format's fields. */
    private static String printable(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append(c <= ' ' || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }

    @Override
    public void close() {
        file.ifPresent(f -> {
            try {
                f.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing access log " + f.path() + ": " + e);
            }
        });
    }
}
