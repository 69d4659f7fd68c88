package dev.outpost.control.replica;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static dev.outpost.control.ControlPlaneFixture.STEERING;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import tools.jackson.databind.JsonNode;

/**
 * A steering replica following a real control plane over loopback: it decides as the control plane does (302, route
 * API and DNS), learns of a health change in its next poll, keeps answering with a growing, stated age when the
 * control plane is gone, and gets nothing from the feed without a token of scope {@code steering}.
 */
class SteeringReplicaIT {
    private static final String REPLICA_READER = "replica-reader-token-0123";
    private static final Duration NEXT_POLL = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private ControlPlaneFixture cp;
    private final ManualClock replicaClock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final List<SteeringReplica> replicas = new ArrayList<>();
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .callTimeout(Duration.ofSeconds(90)).readTimeout(Duration.ofSeconds(90)).build();

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(dir, """
                balancing: {regions: {ap: least-connections}}
                dns: {listen: "127.0.0.1:0", zone: outpost.test}
                """);
        cp.registerEdge("us-1", "us", "http://127.0.1.1:8080");
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
        cp.registerEdge("eu-2", "eu", "http://127.0.2.2:8080");
        cp.registerEdge("ap-1", "ap", "http://127.0.3.1:8080");
        cp.registerEdge("ap-2", "ap", "http://127.0.3.2:8080");
        cp.heartbeat("ap-1", 9, 5);
        cp.heartbeat("ap-2", 2, 5);
    }

    @AfterEach
    void stop() {
        replicas.forEach(SteeringReplica::close);
        cp.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private SteeringReplica replica(String token) throws InterruptedException {
        SteeringReplicaConfig config = ConfigFiles.parse("steering.yml", """
                listen: 127.0.0.1:0
                controlPlanes: ["%s"]
                token: %s
                pollInterval: 1s
                staleAfter: 30s
                tokens: [{name: reader, token: %s, scopes: [read]}]
                dns: {listen: "127.0.0.1:0", zone: outpost.test}
                """.formatted(cp.plane().apiUri(), token, REPLICA_READER).getBytes(UTF_8),
                SteeringReplicaConfig.class);
        SteeringReplica replica = SteeringReplica.start(config, replicaClock);
        replicas.add(replica);
        assertThat(replica.awaitNextFetch(NEXT_POLL)).as("a first fetch ends").isTrue();
        return replica;
    }

    private HttpReply get(String url, String token) {
        Request.Builder request = new Request.Builder().url(url);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpReply.call(http, request.build());
    }

    private JsonNode route(String base, String token, String query) {
        HttpReply reply = get(base + "/api/v1/route?" + query, token);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode replicaRoute(SteeringReplica replica, String query) {
        return route(replica.uri().toString(), REPLICA_READER, query);
    }

    private JsonNode controlPlaneRoute(String query) {
        return route(cp.plane().apiUri().toString(), READER, query);
    }

    /** The 302 of {@code replica} for a client bound to {@code client}. */
    private HttpReply steer(SteeringReplica replica, String client, String path) {
        OkHttpClient bound = BoundClients.from(client, http);
        try {
            return HttpReply.call(bound, new Request.Builder().url(replica.uri() + path)
                    .header("Host", "www.example.com").build());
        } finally {
            bound.connectionPool().evictAll();
        }
    }

    private static List<String> dnsAnswer(SteeringReplica replica, String client) throws IOException {
        SimpleResolver resolver = new SimpleResolver(replica.dnsAddress().orElseThrow());
        resolver.setTimeout(Duration.ofSeconds(10));
        resolver.setLocalAddress(InetAddress.getByName(client));
        Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("cdn.outpost.test."),
                Type.A, DClass.IN)));
        assertThat(reply.getRcode()).as(reply.toString()).isEqualTo(Rcode.NOERROR);
        return reply.getSection(Section.ANSWER).stream().map(r -> ((ARecord) r).getAddress().getHostAddress())
                .toList();
    }

    private static String decisionOf(JsonNode route) {
        return route.get("chosen") + " " + route.get("ranked") + " " + route.get("policy") + " "
                + route.get("inputs") + " " + route.get("servingRegion") + " " + route.get("reason");
    }

    @Test
    void theReplicaDecidesAsTheControlPlaneForEveryClientUrlAndFrontDoor() throws Exception {
        SteeringReplica replica = replica(STEERING);
        for (String client : List.of("127.0.1.9", "127.0.2.9", "127.0.3.9", "198.51.100.7")) {
            for (String path : List.of("/", "/a.js", "/img/b.png", "/c.css?v=2")) {
                String query = "url=http://www.example.com" + path.replace("?", "%3F") + "&client=" + client;
                assertThat(decisionOf(replicaRoute(replica, query))).as(client + path)
                        .isEqualTo(decisionOf(controlPlaneRoute(query)));
            }
            String dns = "via=dns&name=cdn.outpost.test&client=" + client;
            assertThat(decisionOf(replicaRoute(replica, dns))).isEqualTo(decisionOf(controlPlaneRoute(dns)));
        }
        JsonNode ap = replicaRoute(replica, "url=http://www.example.com/x&client=127.0.3.9");
        assertThat(ap.get("policy").asString()).as("the balancing settings came with the state")
                .isEqualTo("least-connections");
        assertThat(ap.get("chosen").asString()).as("and the load of the edges' heartbeats").isEqualTo("ap-2");
        assertThat(ap.get("state").get("source").asString()).isEqualTo("replica");
        assertThat(ap.get("state").get("ageSeconds").asLong()).isZero();
        assertThat(ap.get("state").get("stale").asBoolean()).isFalse();
        assertThat(controlPlaneRoute("url=http://www.example.com/x&client=127.0.3.9").get("state").get("source")
                .asString()).isEqualTo("control-plane");

        HttpReply redirect = steer(replica, "127.0.2.9", "/app.js?v=1");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("Location")).isEqualTo(cp.steer("127.0.2.9", "/app.js?v=1").header("Location"));
        assertThat(redirect.header("X-Outpost-Steering-State")).isEqualTo("replica; age=0");
        assertThat(dnsAnswer(replica, "127.0.2.50")).containsExactly(replicaRoute(replica,
                "via=dns&name=cdn.outpost.test&client=127.0.2.50").get("dns").get("addresses").get(0).asString());
        assertThat(dnsAnswer(replica, "127.0.3.50")).containsExactly("127.0.3.2");
    }

    @Test
    void aHealthChangeReachesTheReplicaInItsNextPoll() throws Exception {
        SteeringReplica replica = replica(STEERING);
        String query = "url=http://www.example.com/a.js&client=127.0.2.9";
        String first = replicaRoute(replica, query).get("chosen").asString();
        String other = first.equals("eu-1") ? "eu-2" : "eu-1";

        cp.clock.advance(Duration.ofSeconds(4)); // past heartbeat.timeout (3s) for every edge but the one heard now
        cp.heartbeat(other, 0, 0);
        assertThat(replica.awaitNextFetch(NEXT_POLL)).isTrue();

        JsonNode route = replicaRoute(replica, query);
        assertThat(route.get("chosen").asString()).isEqualTo(other);
        assertThat(route.get("skipped").toString()).contains(first + " (unhealthy)");
        assertThat(steer(replica, "127.0.2.9", "/a.js").header("X-Outpost-Steering")).isEqualTo(other);
        assertThat(dnsAnswer(replica, "127.0.2.50")).containsExactly(other.equals("eu-1") ? "127.0.2.1"
                : "127.0.2.2");
    }

    @Test
    void withTheControlPlaneStoppedTheReplicaAnswersFromItsLastStateStatingItsGrowingAge() throws Exception {
        SteeringReplica replica = replica(STEERING);
        String query = "url=http://www.example.com/a.js&client=127.0.2.9";
        String chosen = replicaRoute(replica, query).get("chosen").asString();

        cp.close();
        assertThat(replica.awaitNextFetch(NEXT_POLL)).isTrue();
        replicaClock.advance(Duration.ofSeconds(12));
        JsonNode route = replicaRoute(replica, query);
        assertThat(route.get("chosen").asString()).isEqualTo(chosen);
        assertThat(route.get("state").get("ageSeconds").asLong()).isEqualTo(12);
        assertThat(route.get("state").get("stale").asBoolean()).isFalse();
        assertThat(route.get("state").get("lastError").asString()).contains(cp.plane().apiUri().toString());

        replicaClock.advance(Duration.ofSeconds(30));
        route = replicaRoute(replica, query);
        assertThat(route.get("state").get("ageSeconds").asLong()).isEqualTo(42);
        assertThat(route.get("state").get("stale").asBoolean()).as("past staleAfter 30s").isTrue();
        assertThat(route.get("chosen").asString()).as("stale state still answers").isEqualTo(chosen);
        HttpReply redirect = steer(replica, "127.0.2.9", "/a.js");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("X-Outpost-Steering")).isEqualTo(chosen);
        assertThat(redirect.header("X-Outpost-Steering-State")).isEqualTo("replica; age=42; stale");
        assertThat(dnsAnswer(replica, "127.0.2.50")).hasSize(1);
        assertThat(get(replica.uri() + "/api/v1/metrics", null).body())
                .contains("steering_state_age_seconds 42.0").contains("steering_state_stale 1.0");
    }

    @Test
    void theFeedRefusesTokensWithoutTheSteeringScopeAndTheSteeringTokenReadsNothingElse() throws Exception {
        String feed = cp.plane().apiUri() + "/api/v1/steering/state";
        assertThat(get(feed, null).status()).isEqualTo(401);
        HttpReply reader = get(feed, READER);
        assertThat(reader.status()).isEqualTo(403);
        assertThat(reader.json().get("message").asString()).contains("lacks scope steering");
        assertThat(get(feed, OPS).status()).isEqualTo(403);
        assertThat(get(feed, ControlPlaneFixture.ADMIN).status()).as("admin implies every scope").isEqualTo(200);
        assertThat(get(cp.plane().apiUri() + "/api/v1/nodes", STEERING).status()).isEqualTo(403);
        assertThat(get(cp.plane().apiUri() + "/api/v1/purges", STEERING).status()).isEqualTo(403);

        SteeringReplica refused = replica(READER);
        assertThat(refused.freshness().known()).isFalse();
        assertThat(refused.freshness().lastError().orElseThrow()).contains("403").contains("scope steering");
        HttpReply noState = steer(refused, "127.0.2.9", "/a.js");
        assertThat(noState.status()).isEqualTo(503);
        assertThat(noState.json().get("error").asString()).isEqualTo("no_state");
        assertThat(get(refused.uri() + "/api/v1/route?url=http://www.example.com/", null).status())
                .as("the replica's route API wants its own read token").isEqualTo(401);
    }

    @Test
    void aConditionalCallAnswers304WhileNothingChangesAndIsHeldUntilSomethingDoes() throws Exception {
        String feed = cp.plane().apiUri() + "/api/v1/steering/state";
        HttpReply state = get(feed, STEERING);
        String etag = state.header("ETag");
        assertThat(state.json().get("edges")).hasSize(5);
        HttpReply unchanged = HttpReply.call(http, new Request.Builder().url(feed + "?wait=200ms")
                .header("Authorization", "Bearer " + STEERING).header("If-None-Match", etag).build());
        assertThat(unchanged.status()).isEqualTo(304);
        assertThat(unchanged.header("ETag")).isEqualTo(etag);

        CompletableFuture<HttpReply> held = CompletableFuture.supplyAsync(() -> HttpReply.call(http,
                new Request.Builder().url(feed + "?wait=60s").header("Authorization", "Bearer " + STEERING)
                        .header("If-None-Match", etag).build()));
        cp.registerEdge("us-2", "us", "http://127.0.1.2:8080");
        HttpReply changed = held.get();
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.header("ETag")).isNotEqualTo(etag);
        assertThat(changed.json().get("edges")).hasSize(6);
    }
}
