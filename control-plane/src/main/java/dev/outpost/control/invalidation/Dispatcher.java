package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Accepts purges and pushes: logs each durably, then pushes it to every edge in scope at once, in parallel, through
 * the edge's own admin API ({@code POST /_edge/purge}, {@code POST /_edge/prefetch}), and records each 2xx as the
 * edge's ack. One lane (a single virtual thread) per edge keeps that edge's entries in sequence order; lanes
 * of different edges run side by side.
 *
 * <p>Ordering rule: an entry is pushed live to an edge only when it is the very next entry of the edge's region
 * after the edge's known applied sequence (from its heartbeats and earlier live acks); otherwise (it was down, a
 * push failed, it registered with an old sequence) the entry is marked {@code behind} and reaches the edge through
 * the heartbeat catch-up, which hands over everything missed in order. So an edge never applies a newer entry
 * before an older one and can keep a single "highest applied" number; a duplicate (live push racing a catch-up
 * page) is at or below that number and ignored. An edge
 * that is unhealthy when the entry is accepted is not tried at all. A failed push is not retried here: the edge's
 * next heartbeat (every few seconds) carries it.
 */
public final class Dispatcher implements AutoCloseable {
    /** The edge admin API's purge endpoint (docs/edge.md, "Admin API"). */
    public static final String PURGE_PATH = "/_edge/purge";
    /** The edge admin API's prefetch endpoint, used for pushes. */
    public static final String PREFETCH_PATH = "/_edge/prefetch";
    /** Carries the entry's sequence on live pushes. */
    public static final String SEQUENCE_HEADER = "X-Outpost-Sequence";

    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");

    private final InvalidationLog log;
    private final Registry registry;
    private final OkHttpClient client;
    private final Optional<String> edgeToken;
    private final ConcurrentMap<String, ExecutorService> lanes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public Dispatcher(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken) {
        this.log = log;
        this.registry = registry;
        this.client = client;
        this.edgeToken = edgeToken;
    }

    /**
     * Logs the entry (durably: it is on disk when this returns) and starts pushing it to the edges in scope.
     * Synchronized so that lanes receive entries in the order the log numbered them.
     */
    public synchronized LoggedEntry submit(NewEntry entry, String requestedBy) {
        List<Node> inScope = registry.edges().stream().filter(n -> entry.covers(n.region())).toList();
        LoggedEntry logged = log.append(entry, inScope.stream().map(Node::id).toList(), requestedBy);
        LOG.log(Level.INFO, () -> logged.id() + " accepted from " + requestedBy + ": " + describe(entry) + " → "
                + inScope.size() + " edges");
        for (Node node : inScope) {
            if (!registry.healthy(node)) {
                behind(logged.sequence(), node.id(), "edge unhealthy when accepted; sent on its heartbeat");
            } else if (node.registration().adminUrl().isEmpty()) {
                behind(logged.sequence(), node.id(), "edge has no admin URL; sent on its heartbeat");
            } else {
                lane(node.id()).execute(() -> deliver(logged.entry(), node));
            }
        }
        return logged;
    }

    /**
     * After a restart no push is in flight any more: deliveries still pending are behind, and reach their edges
     * through the catch-up once those register again.
     */
    public void recoverAfterRestart() {
        log.markPendingBehind("control plane restarted before the edge acked; sent on its heartbeat");
    }

    private ExecutorService lane(String nodeId) {
        return lanes.computeIfAbsent(nodeId,
                id -> Executors.newSingleThreadExecutor(Thread.ofVirtual().name("dispatch-" + id).factory()));
    }

    private void deliver(InvalidationEntry entry, Node node) {
        if (closed) {
            return;
        }
        Node current = registry.node(node.id()).orElse(node);
        List<InvalidationEntry> next = log.entriesAfter(current.appliedSequence(), current.region(), 1);
        if (next.isEmpty()) {
            return; // already applied through the heartbeat catch-up
        }
        if (next.get(0).sequence() != entry.sequence()) {
            behind(entry.sequence(), node.id(), "earlier entries not yet applied; sent on its heartbeat");
            return;
        }
        Optional<URI> adminUrl = current.registration().adminUrl();
        if (adminUrl.isEmpty()) {
            behind(entry.sequence(), node.id(), "edge has no admin URL; sent on its heartbeat");
            return;
        }
        Request.Builder request = edgeRequest(adminUrl.get(), entry);
        edgeToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        // A push makes the edge fetch every URL before it answers; a purge is quick.
        Duration timeout = entry.kind() == Kind.PUSH ? Duration.ofSeconds(60) : Duration.ofSeconds(5);
        try (Response response = client.newBuilder().callTimeout(timeout).build().newCall(request.build())
                .execute()) {
            if (response.isSuccessful()) {
                registry.acked(node.id(), entry.sequence());
                // the edge's answer (what it removed or fetched) is shown as that edge's detail
                log.markApplied(entry.sequence(), node.id(), summary(response));
            } else {
                behind(entry.sequence(), node.id(), "edge answered " + response.code());
            }
        } catch (IOException e) {
            behind(entry.sequence(), node.id(), "push failed: " + e.getMessage());
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "pushing entry " + entry.sequence() + " to " + node.id() + " failed", e);
            }
        }
    }

    private static Optional<String> summary(Response response) throws IOException {
        String body = response.peekBody(512).string().strip();
        return body.isEmpty() ? Optional.empty() : Optional.of(body);
    }

    private static String describe(NewEntry e) {
        StringBuilder out = new StringBuilder(e.kind() == Kind.PUSH ? "push" : e.soft() ? "soft purge" : "purge");
        if (e.all()) {
            out.append(" of everything");
        }
        appendCount(out, e.urls().size(), "urls");
        appendCount(out, e.prefixes().size(), "prefixes");
        appendCount(out, e.tags().size(), "tags");
        appendCount(out, e.hosts().size(), "hosts");
        return out.append(e.regions().isEmpty() ? " in every region" : " in " + e.regions()).toString();
    }

    private static void appendCount(StringBuilder out, int count, String what) {
        if (count > 0) {
            out.append(' ').append(count).append(' ').append(what);
        }
    }

    /** The entry did not reach the node live: it is lagging (not steered to) until the catch-up brings it. */
    private void behind(long sequence, String nodeId, String reason) {
        registry.fellBehind(nodeId);
        log.markBehind(sequence, nodeId, reason);
    }

    /** Body of the edge's {@code POST /_edge/purge}. */
    record EdgePurge(List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts, boolean all,
            boolean soft) {
    }

    /** Body of the edge's {@code POST /_edge/prefetch}. */
    record EdgePrefetch(List<String> urls) {
    }

    /**
     * The edge's own admin call for an entry: a purge → {@code POST /_edge/purge}, a push → {@code POST
     * /_edge/prefetch}; the sequence rides along in {@value #SEQUENCE_HEADER} for the edge's logs.
     */
    static Request.Builder edgeRequest(URI adminUrl, InvalidationEntry entry) {
        Object body = entry.kind() == Kind.PUSH ? new EdgePrefetch(entry.urls())
                : new EdgePurge(entry.urls(), entry.prefixes(), entry.tags(), entry.hosts(), entry.all(),
                        entry.soft());
        String path = entry.kind() == Kind.PUSH ? PREFETCH_PATH : PURGE_PATH;
        return new Request.Builder().url(edgeUrl(adminUrl, path))
                .header(SEQUENCE_HEADER, Long.toString(entry.sequence()))
                .post(RequestBody.create(Json.bytes(body), JSON));
    }

    /** The admin URL may carry a path prefix; URI.resolve mishandles an empty base path, so join by hand. */
    static String edgeUrl(URI adminUrl, String path) {
        String base = adminUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    }

    @Override
    public void close() {
        closed = true;
        lanes.values().forEach(ExecutorService::shutdownNow);
        // One deadline for all lanes, not 5 s each: with many edges stuck, per-lane waits would add up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ExecutorService lane : lanes.values()) {
            try {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
