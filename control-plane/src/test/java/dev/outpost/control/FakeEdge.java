package dev.outpost.control;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
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
 * An edge's admin API as a MockWebServer on 127.0.0.1: records every invalidation entry it is sent (in arrival
 * order) and the Authorization header, applies them like an edge would (ignoring sequences not above its high
 * mark), and answers with a status the test can change.
 */
public final class FakeEdge implements AutoCloseable {
    private final String id;
    private final String region;
    private final MockWebServer server = new MockWebServer();
    private final List<InvalidationEntry> received = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicLong applied = new AtomicLong();

    public FakeEdge(String id, String region) throws IOException {
        this.id = id;
        this.region = region;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (!request.getTarget().equals("/admin/invalidations")) {
                    return new MockResponse.Builder().code(404).build();
                }
                InvalidationEntry entry = Json.mapper().readValue(request.getBody().toByteArray(),
                        InvalidationEntry.class);
                received.add(entry);
                authorizations.add(String.valueOf(request.getHeaders().get("Authorization")));
                int code = status.get();
                if (code / 100 == 2) {
                    applied.accumulateAndGet(entry.sequence(), Math::max);
                }
                return new MockResponse.Builder().code(code)
                        .body("{\"sequence\":" + entry.sequence() + ",\"applied\":true}").build();
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
                Optional.of(adminUrl()), 0, true);
    }

    public void answer(int code) {
        status.set(code);
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
        server.close();
    }
}
