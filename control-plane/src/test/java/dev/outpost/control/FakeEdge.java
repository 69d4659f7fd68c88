package dev.outpost.control;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.EdgePrefetch;
import dev.outpost.common.wire.EdgePrefetchResult;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.EdgePurgeResult;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.ServiceChange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * An edge's admin API (the contract of {@link EdgeAdmin}: {@code POST /_edge/purge}, {@code POST /_edge/prefetch},
 * the same records the edge reads and answers) as a MockWebServer on 127.0.0.1: records every call it gets (in
 * arrival order, with the sequence header and the Authorization header) and answers with a status the test can
 * change.
 */
public final class FakeEdge implements AutoCloseable {
    private final String id;
    private final String region;
    private final MockWebServer server = new MockWebServer();
    private final List<InvalidationEntry> received = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicLong applied = new AtomicLong();
    private final List<List<String>> unsequenced = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, Answer> byUrl = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicReference<String> pushAnswer =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Configuration versions it refuses, with its reason. */
    private final java.util.Map<Long, String> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    /** The newest configuration version it applied (0: none). */
    private final AtomicLong configVersion = new AtomicLong();

    /** Its role in the tiers (a shield is pushed every entry first). */
    private final NodeRegistration.Role role;
    /** Closed: answers at once; open: each admin call waits until {@link #resume()} (a slow shield). */
    private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(0);
    /** Where it writes "id received N" and "id answered N", shared by several fakes to see their order. */
    private volatile List<String> journal = new CopyOnWriteArrayList<>();

    public FakeEdge(String id, String region) throws IOException {
        this(id, region, NodeRegistration.Role.EDGE);
    }

    public FakeEdge(String id, String region, NodeRegistration.Role role) throws IOException {
        this.id = id;
        this.region = region;
        this.role = role;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                InvalidationEntry entry;
                String header = request.getHeaders().get(EdgeAdmin.SEQUENCE_HEADER);
                // an operator's call (no sequence) is parsed as entry 0's stand-in and recorded apart
                long sequence = header == null ? Long.MAX_VALUE : Long.parseLong(header);
                byte[] body = request.getBody().toByteArray();
                // parsed as strictly as the edge does, with the edge's own records: an unknown key is its 400
                if (request.getTarget().equals(EdgeAdmin.PURGE_PATH) && request.getMethod().equals("POST")) {
                    entry = Json.mapper().readValue(body, EdgePurge.class).entry(sequence);
                } else if (request.getTarget().equals(EdgeAdmin.PREFETCH_PATH) && request.getMethod().equals("POST")) {
                    entry = Json.mapper().readValue(body, EdgePrefetch.class).entry(sequence);
                } else if (request.getTarget().equals(EdgeAdmin.CONFIG_PATH) && request.getMethod().equals("POST")) {
                    ServiceChange change = Json.mapper().readValue(body, ServiceChange.class);
                    entry = new InvalidationEntry(sequence, InvalidationEntry.Kind.CONFIG, null, null, null, null,
                            false, false, null, change);
                } else {
                    return new MockResponse.Builder().code(404).build();
                }
                authorizations.add(String.valueOf(request.getHeaders().get("Authorization")));
                Optional<Answer> special = entry.urls().stream().map(byUrl::get).filter(a -> a != null).findFirst();
                if (header == null) {
                    unsequenced.add(entry.urls());
                } else {
                    received.add(entry);
                }
                journal.add(id + " received " + sequence);
                try {
                    held.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new MockResponse.Builder().code(503).build();
                }
                if (special.isPresent()) {
                    return new MockResponse.Builder().code(special.get().code()).body(special.get().body()).build();
                }
                int code = status.get();
                if (code / 100 == 2 && header != null) {
                    applied.accumulateAndGet(entry.sequence(), Math::max);
                }
                journal.add(id + " answered " + code + " to " + sequence);
                if (entry.kind() == InvalidationEntry.Kind.CONFIG) {
                    long version = entry.config().version();
                    String reason = refusals.get(version);
                    ConfigResult result = reason != null ? ConfigResult.refused(version, reason)
                            : ConfigResult.applied(version);
                    if (code / 100 == 2 && reason == null) {
                        configVersion.accumulateAndGet(version, Math::max);
                    }
                    return new MockResponse.Builder().code(code).body(Json.mapper().writeValueAsString(result))
                            .build();
                }
                String answer = entry.kind() == InvalidationEntry.Kind.PUSH
                        ? Optional.ofNullable(pushAnswer.get()).orElse(Json.mapper().writeValueAsString(
                                new EdgePrefetchResult(List.of(), entry.urls().size(), 0, 10, List.of())))
                        : Json.mapper().writeValueAsString(new EdgePurgeResult(List.of(), 1, 0));
                return new MockResponse.Builder().code(code).body(answer).build();
            }
        });
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    public String id() {
        return id;
    }

    public URI adminUrl() {
        return URI.create("http://127.0.0.1:" + server.getPort());
    }

    /** Its registration; the public URL is a made-up loopback address (steering only redirects there). */
    public NodeRegistration registration() {
        return new NodeRegistration(id, NodeRegistration.Kind.EDGE, region,
                URI.create("http://127.0.0." + (10 + Math.abs(id.hashCode() % 200)) + ":8080"),
                Optional.of(adminUrl()), 0, true, false, role);
    }

    /** From now on, every admin call it gets waits (unanswered) until {@link #resume()}. */
    public void hold() {
        held = new java.util.concurrent.CountDownLatch(1);
    }

    /** Answers the calls that wait, and the next ones at once. */
    public void resume() {
        held.countDown();
    }

    /** Writes what it receives and answers to {@code shared} (several fakes, one order). */
    public void journalTo(List<String> shared) {
        journal = shared;
    }

    private record Answer(int code, String body) {
    }

    /** Answers every call about {@code url} (sequenced or not) with this status and body, until cleared. */
    public void answerFor(String url, int code, String body) {
        byUrl.put(url, new Answer(code, body));
    }

    /** Calls about {@code url} get the common answer again. */
    public void clearAnswerFor(String url) {
        byUrl.remove(url);
    }

    /** Answers configuration version {@code version} with a refusal giving {@code reason}, as an edge that cannot run it. */
    public void refuseConfig(long version, String reason) {
        refusals.put(version, reason);
    }

    /** Takes configuration version {@code version} from now on. */
    public void acceptConfig(long version) {
        refusals.remove(version);
    }

    /** The newest configuration version it applied (0: none). */
    public long configVersion() {
        return configVersion.get();
    }

    /** The configuration changes it received (live or from catch-up), in order. */
    public List<ServiceChange> configChanges() {
        return received.stream().filter(e -> e.kind() == InvalidationEntry.Kind.CONFIG)
                .map(InvalidationEntry::config).toList();
    }

    /** The URLs of each operator's call (no sequence header) it got, in order. */
    public List<List<String>> unsequencedCalls() {
        return List.copyOf(unsequenced);
    }

    public void answer(int code) {
        status.set(code);
    }

    /** What it answers to pushes from now on (a prefetch result as the edge gives it). */
    public void answerPushesWith(String json) {
        pushAnswer.set(json);
    }

    public List<Long> receivedSequences() {
        return received.stream().map(InvalidationEntry::sequence).toList();
    }

    public List<InvalidationEntry> received() {
        return List.copyOf(received);
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Applies entries handed over in a heartbeat reply, in order, as an edge must. */
    public void applyCatchUp(List<InvalidationEntry> entries) {
        for (InvalidationEntry entry : entries) {
            received.add(entry);
            if (entry.kind() == InvalidationEntry.Kind.CONFIG && !refusals.containsKey(entry.config().version())) {
                configVersion.accumulateAndGet(entry.config().version(), Math::max);
            }
            applied.accumulateAndGet(entry.sequence(), Math::max);
        }
    }

    /** Adopts the applied sequence a registration reply hands back. */
    public void registered(long appliedSequence) {
        applied.set(appliedSequence);
    }

    public long applied() {
        return applied.get();
    }

    @Override
    public void close() {
        resume();
        server.close();
    }
}
