package dev.outpost.edge;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * The control plane's node API as an edge sees it, faked on a loopback socket: registration answers sequence 0 with
 * the configuration snapshot a test sets, heartbeats answer the replies a test queues (else nothing to apply) and
 * are recorded, so a test reads the {@code configVersion} and entry results the edge reported.
 */
public final class FakeControlPlane implements AutoCloseable {
    public static final String NODE_TOKEN = "fake-node-token-0123456789";

    private final MockWebServer server = new MockWebServer();
    private volatile ServiceSnapshot registrationSnapshot;
    private final ConcurrentLinkedQueue<HeartbeatReply> replies = new ConcurrentLinkedQueue<>();
    private final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
    private final List<NodeRegistration> registrations = new CopyOnWriteArrayList<>();
    private volatile boolean up = true;
    private volatile List<ShieldNode> shields = List.of();

    public FakeControlPlane() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                String body = request.getBody() == null ? "" : request.getBody().utf8();
                if (!up) {
                    return new MockResponse.Builder().code(503).body("{\"error\":\"unavailable\"}").build();
                }
                if (path.equals("/api/v1/nodes/register")) {
                    NodeRegistration registration = Json.mapper().readValue(body, NodeRegistration.class);
                    registrations.add(registration);
                    return json(new RegistrationReply(registration.id(), 0, 0, 100, registrationSnapshot));
                }
                if (path.endsWith("/heartbeat")) {
                    heartbeats.add(Json.mapper().readValue(body, Heartbeat.class));
                    HeartbeatReply reply = replies.poll();
                    return json(reply != null ? reply
                            : new HeartbeatReply(0, List.of(), false, true, false, null, shields));
                }
                return new MockResponse.Builder().code(404).body("{\"error\":\"not_found\"}").build();
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    private static MockResponse json(Object body) {
        return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                .body(Json.mapper().writeValueAsString(body)).build();
    }

    /** Answers 503 to everything until {@link #up}: the edge keeps retrying, unregistered. */
    public void down() {
        up = false;
    }

    public void up() {
        up = true;
    }

    /** What registration hands over from now on (absent: no configuration from the control plane). */
    public void registrationSnapshot(ServiceSnapshot snapshot) {
        registrationSnapshot = snapshot;
    }

    /** The shields every heartbeat reply names from now on (unless a queued reply says otherwise). */
    public void shields(List<ShieldNode> named) {
        shields = List.copyOf(named);
    }

    /** The next heartbeat's answer. */
    public void reply(HeartbeatReply reply) {
        replies.add(reply);
    }

    public List<Heartbeat> heartbeats() {
        return List.copyOf(heartbeats);
    }

    public List<NodeRegistration> registrations() {
        return List.copyOf(registrations);
    }

    /** The link settings of an edge that talks to this fake, heartbeating every 100 ms until registration says. */
    public ControlPlaneLinkConfig link() {
        return ControlPlaneLinkConfig.of(URI.create("http://127.0.0.1:" + server.getPort()), NODE_TOKEN)
                .withTimings(Duration.ofMillis(100), Duration.ofMillis(400));
    }

    @Override
    public void close() {
        server.close();
    }
}
