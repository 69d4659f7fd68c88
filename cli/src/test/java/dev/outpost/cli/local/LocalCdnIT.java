package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.NodeServer;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.BoundClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import tools.jackson.databind.JsonNode;

/**
 * {@code outpost local}'s CDN in this JVM, on the default addresses but high ports (so a user's own
 * {@code outpost local} on 8000/8080 does not collide): six edges in three regions behind real WAN relays.
 */
class LocalCdnIT {
    static final String TEST_TOPOLOGY = TestTopology.onPorts(24000);
    private static final Duration US_EU = Duration.ofMillis(40);
    private static final Duration US_AP = Duration.ofMillis(90);

    private static Topology topology() {
        return TestTopology.parse(TEST_TOPOLOGY);
    }

    private static LocalCdn startReady(Path dir) throws InterruptedException {
        return TestTopology.startReady(topology(), dir, LocalCdn.Shield.OFF);
    }

    @Test
    void everyEdgeIsHealthyAndAnEuClientIsSteeredToAnEuEdgeThatMissesOverTheLinkThenHits(@TempDir Path dir)
            throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            assertThat(cdn.nodes()).filteredOn(n -> n.kind().equals("edge"))
                    .extracting(LocalCdn.NodeState::id, LocalCdn.NodeState::healthy)
                    .containsExactlyInAnyOrder(edge("us-1"), edge("us-2"), edge("eu-1"), edge("eu-2"),
                            edge("ap-1"), edge("ap-2"));

            Fetch miss = fetchSteered("127.0.2.50", "/index.html");
            assertThat(miss.url()).matches("http://127\\.0\\.2\\.[12]:24080/index\\.html");
            assertThat(miss.code()).isEqualTo(200);
            assertThat(miss.xCache()).isEqualTo("MISS");
            assertThat(miss.servedBy()).startsWith("eu-");
            assertThat(miss.body()).contains("Served by Outpost");
            // the edge's fetch crossed the us-eu link: a round trip at least, on top of steering
            assertThat(miss.took()).isGreaterThanOrEqualTo(US_EU.multipliedBy(2));

            Fetch hit = fetchSteered("127.0.2.50", "/index.html");
            assertThat(hit.xCache()).as(hit.headers()).isEqualTo("HIT");
            assertThat(hit.servedBy()).isEqualTo(miss.servedBy());
            assertThat(hit.took()).isLessThan(miss.took());

            // one access-log file per node in <work dir>/logs; the miss is followed to the origin that answered it
            assertThat(cdn.accessLogs().keySet()).containsExactly("origin", "control-plane", "us-1", "us-2",
                    "eu-1", "eu-2", "ap-1", "ap-2", "steering-us", "steering-eu", "steering-ap");
            assertThat(cdn.accessLogs().values()).allSatisfy(file -> assertThat(file.getParent())
                    .isEqualTo(dir.resolve("logs").toAbsolutePath().normalize()));
            JsonNode atEdge = AccessLogLines.await(cdn.accessLogs().get(miss.servedBy()),
                    l -> "MISS".equals(AccessLogLines.text(l, "cache")));
            AccessLogLines.await(cdn.accessLogs().get("control-plane"), l -> l.get("status").asInt() == 302);
            String span = AccessLogLines.text(atEdge, "spanId");
            assertThat(awaitOriginLineWithParent(cdn, span)).as("the origin logged the edge's span as its parent")
                    .isEqualTo("origin");
            assertThat(LocalBanner.accessLogs(cdn.logDir(), cdn.accessLogs()))
                    .contains(cdn.accessLogs().get("eu-1").toString());
        }
    }

    @Test
    void eachRegionsClientResolvesTheCdnNameToAnEdgeOfItsRegionAndFetchesWithoutARedirect(@TempDir Path dir)
            throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            for (String region : List.of("us", "eu", "ap")) {
                int octet = List.of("us", "eu", "ap").indexOf(region) + 1;
                String client = "127.0.%d.50".formatted(octet);
                // the region's own steering instance, on its address .53
                SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.%d.53".formatted(octet),
                        24053));
                resolver.setLocalAddress(java.net.InetAddress.getByName(client));
                resolver.setTimeout(Duration.ofSeconds(10));
                Message answer = resolver.send(Message.newQuery(Record.newRecord(
                        Name.fromString("cdn.outpost.test."), Type.A, DClass.IN)));
                String edge = answer.getSection(Section.ANSWER).get(0).rdataToString();
                assertThat(edge).as(region + " client").matches("127\\.0\\." + client.split("\\.")[2] + "\\.[12]");
                OkHttpClient http = BoundClients.from(client, new OkHttpClient.Builder()
                        .callTimeout(Duration.ofSeconds(20)).followRedirects(false).build());
                try (Response response = http.newCall(new Request.Builder()
                        .url("http://" + edge + ":24080/index.html").header("Host", "cdn.outpost.test").build())
                        .execute()) {
                    assertThat(response.code()).as("the edge serves the DNS name itself").isEqualTo(200);
                    assertThat(response.header("X-Served-By")).startsWith(region + "-");
                } finally {
                    http.connectionPool().evictAll();
                }
            }
            String banner = LocalBanner.render(cdn.topology(), cdn.nodes(), cdn.originInternalUri(), "work", "site");
            assertThat(banner).contains("dig @127.0.1.53 -p 24053 -b 127.0.1.50 cdn.outpost.test",
                    "dig @127.0.2.53 -p 24053 -b 127.0.2.50 cdn.outpost.test",
                    "dig @127.0.3.53 -p 24053 -b 127.0.3.50 cdn.outpost.test",
                    "curl -iL --interface 127.0.2.50 http://127.0.2.53:24000/index.html");
        }
    }

    @Test
    void eachRegionsSteeringInstanceRedirectsItsClientsToAnEdgeOfTheirRegionFromTheControlPlanesState(
            @TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            assertThat(cdn.steering()).containsOnlyKeys("us", "eu", "ap");
            Fetch eu = fetch("127.0.2.50", "http://127.0.2.53:24000/index.html");
            assertThat(eu.code()).isEqualTo(200);
            assertThat(eu.url()).matches("http://127\\.0\\.2\\.[12]:24080/index\\.html");
            assertThat(eu.servedBy()).startsWith("eu-");
            Fetch ap = fetch("127.0.3.50", "http://127.0.3.53:24000/index.html");
            assertThat(ap.servedBy()).startsWith("ap-");
            assertThat(cdn.steering().get("ap").freshness().source()).isEqualTo("replica");
            assertThat(cdn.steering().get("ap").freshness().known()).isTrue();
        }
    }

    @Test
    void aDirectOriginFetchCrossesTheClientsLinkIncludingTheHandshake(@TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            Fetch fromAp = fetch("127.0.3.50", "http://127.0.0.1:24080" + LocalBanner.LARGE_FILE);
            assertThat(fromAp.code()).isEqualTo(200);
            assertThat(fromAp.body()).hasSizeGreaterThan(4_000_000);
            assertThat(fromAp.took()).isGreaterThanOrEqualTo(US_AP.multipliedBy(4));
            assertThat(fetch("127.0.1.50", "http://127.0.0.1:24080/robots.txt").code()).isEqualTo(200);
        }
    }

    @Test
    void aPurgeIsReportedCompleteOnAllSixEdges(@TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            assertThat(fetchSteered("127.0.3.50", "/assets/app.css").xCache()).isEqualTo("MISS");
            assertThat(fetchSteered("127.0.3.50", "/assets/app.css").xCache()).isEqualTo("HIT");

            JsonNode accepted = api(cdn, "POST", "/api/v1/purges", "{\"tags\":[\"static\"]}");
            JsonNode status = api(cdn, "GET", "/api/v1/purges/" + accepted.get("id").asString() + "?wait=10s", null);
            assertThat(status.get("status").asString()).isEqualTo("complete");
            assertThat(status.get("edges")).hasSize(6);
            assertThat(fetchSteered("127.0.3.50", "/assets/app.css").xCache()).isEqualTo("MISS");
        }
    }

    @Test
    void aPurgeOfTheUrlASteeredClientFetchedRemovesTheEntry(@TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            Fetch miss = fetchSteered("127.0.2.50", "/index.html");
            assertThat(miss.xCache()).isEqualTo("MISS");
            assertThat(fetchSteered("127.0.2.50", "/index.html").xCache()).isEqualTo("HIT");

            // the edge address the client was sent to, e.g. http://127.0.2.1:24080/index.html
            JsonNode accepted = api(cdn, "POST", "/api/v1/purges", "{\"urls\":[\"" + miss.url() + "\"]}");
            JsonNode status = api(cdn, "GET", "/api/v1/purges/" + accepted.get("id").asString() + "?wait=10s", null);
            assertThat(status.get("status").asString()).isEqualTo("complete");
            List<String> details = new ArrayList<>();
            status.get("edges").forEach(edge -> details.add(edge.get("detail").asString()));
            assertThat(details).hasSize(6).allMatch(d -> d.startsWith("{\"unknownHosts\":[]"), "names no host")
                    .anyMatch(d -> d.contains("\"removed\":1"));
            assertThat(fetchSteered("127.0.2.50", "/index.html").xCache()).isEqualTo("MISS");
        }
    }

    @Test
    void aPushMakesTheFirstRequestInApAHit(@TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            JsonNode accepted = api(cdn, "POST", "/api/v1/pushes", """
                    {"urls":["http://127.0.3.1/assets/globe.png","http://127.0.3.2/assets/globe.png"],
                     "regions":["ap"]}""");
            JsonNode status = api(cdn, "GET", "/api/v1/pushes/" + accepted.get("id").asString() + "?wait=20s", null);
            assertThat(status.get("status").asString()).as(status.toString()).isEqualTo("complete");

            Fetch first = fetchSteered("127.0.3.50", "/assets/globe.png");
            assertThat(first.servedBy()).startsWith("ap-");
            assertThat(first.xCache()).isEqualTo("HIT");
        }
    }

    @Test
    void theOriginServesACopySoUploadsLeaveTheBundledSiteAlone(@TempDir Path dir) throws Exception {
        try (LocalCdn cdn = startReady(dir)) {
            assertThat(OperatorCalls.upload(cdn, "/index.html", "changed", "text/html")).isBetween(200, 201);
            assertThat(Files.readString(dir.resolve("origin-site/index.html"))).isEqualTo("changed");
            assertThat(Files.readString(Path.of("..", "deploy", "sample-site", "index.html")))
                    .contains("Served by Outpost");
        }
    }

    @Test
    void closeReturnsWithinSecondsWhileDownloadsAndRequestBodiesAreStalled(@TempDir Path dir) throws Exception {
        LocalCdn cdn = startReady(dir);
        List<Socket> stalled = new ArrayList<>();
        try {
            // Clients that stop reading mid-download: through the ap-us WAN link to the origin, from an ap edge
            // (a miss, streamed by a blocking writer; then a hit), straight from the origin's internal listener.
            String internal = cdn.originInternalUri().getHost() + ":" + cdn.originInternalUri().getPort();
            for (String target : List.of("127.0.0.1:24080", "127.0.3.1:24080", "127.0.3.1:24080", internal)) {
                stalled.add(stalledDownload("127.0.3.50", target, "/assets/dataset.csv"));
            }
            // Clients that send half a request body: the control plane's API and every edge's admin API.
            stalled.add(halfABody("127.0.0.1:24000", "/api/v1/purges", LocalCdn.OPS_TOKEN));
            for (Topology.EdgeSpec edge : topology().edges()) {
                stalled.add(halfABody(edge.host() + ":" + edge.adminPort(), "/_edge/purge",
                        LocalCdn.EDGE_ADMIN_TOKEN));
            }

            long started = System.nanoTime();
            cdn.close();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            // Each listener with a request held by a stalled client sits out its drain (LocalCdn.DRAIN, 1 s) and a
            // handler blocked on it its shutdown timeout (2 s): seven such listeners one after another took over 30 s
            // (when the shutdown timeout was 5 s); the edges stop side by side, so edges + control plane + origin ~9 s.
            assertThat(took).isLessThan(LocalCdn.DRAIN.plus(NodeServer.SHUTDOWN_TIMEOUT).multipliedBy(5));
            for (String address : List.of("127.0.0.1:24000", "127.0.0.1:24080", "127.0.3.1:24080",
                    "127.0.3.1:25080", "127.0.2.254:24080")) {
                assertFree(address);
            }
        } finally {
            cdn.close();
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /** A GET whose response has started (its status line arrived) and that is then never read further. */
    private static Socket stalledDownload(String client, String target, String path) throws IOException {
        Socket socket = connect(client, target);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.3.1\r\n\r\n")
                .getBytes(UTF_8));
        byte[] head = socket.getInputStream().readNBytes(12);
        assertThat(new String(head, UTF_8)).as(target).isEqualTo("HTTP/1.1 200");
        return socket;
    }

    /** A POST that announces 100 body bytes and sends 8. */
    private static Socket halfABody(String target, String path, String token) throws IOException {
        Socket socket = connect("127.0.0.1", target);
        socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: " + target + "\r\nAuthorization: "
                + "Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                + "{\"urls\":").getBytes(UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    private static Socket connect(String client, String target) throws IOException {
        int colon = target.lastIndexOf(':');
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.bind(new InetSocketAddress(client, 0));
        socket.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))),
                5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static void assertFree(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))));
        }
    }

    @Test
    void aTakenPortFailsBeforeAnythingStartsNamingTheNode(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.2.1", 25080));
            assertThatThrownBy(() -> LocalCdn.start(topology(), dir, Optional.empty()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.2.1:25080 (edge eu-1 admin)");
        }
        // nothing was left listening
        try (ServerSocket free = new ServerSocket()) {
            free.setReuseAddress(true);
            free.bind(new InetSocketAddress("127.0.0.1", 24000));
        }
    }

    // ---- clients

    private static org.assertj.core.groups.Tuple edge(String id) {
        return org.assertj.core.groups.Tuple.tuple(id, true);
    }

    /** Which origin logged a request whose parent is {@code span}, waiting for the line to be written. */
    private static String awaitOriginLineWithParent(LocalCdn cdn, String span) throws InterruptedException {
        for (int attempt = 0; attempt < 500; attempt++) { // lines are written as exchanges complete: up to 10 s
            for (String origin : cdn.accessLogs().keySet().stream().filter(n -> n.startsWith("origin")).toList()) {
                if (AccessLogLines.read(cdn.accessLogs().get(origin)).stream()
                        .anyMatch(l -> span.equals(AccessLogLines.text(l, "parentSpanId")))) {
                    return origin;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no origin logged a request with parent span " + span);
    }

    /** One answer as a client saw it, with the wall time of the whole exchange (redirects included). */
    record Fetch(String url, int code, String xCache, String servedBy, String body, Duration took,
            String headers) {
    }

    /** {@code curl -L --interface client http://<control plane>/path}. */
    private static Fetch fetchSteered(String client, String path) throws IOException {
        return fetch(client, "http://127.0.0.1:24000" + path);
    }

    private static Fetch fetch(String client, String url) throws IOException {
        OkHttpClient http = BoundClients.from(client,
                new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build());
        long start = System.nanoTime();
        try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
            String body = response.body().string();
            return new Fetch(response.request().url().toString(), response.code(), response.header("X-Cache"),
                    response.header("X-Served-By"), body, Duration.ofNanos(System.nanoTime() - start),
                    response.headers().toString());
        } finally {
            http.connectionPool().evictAll();
        }
    }

    private static JsonNode api(LocalCdn cdn, String method, String path, String json) throws IOException {
        return OperatorCalls.api(cdn, method, path, json, 200, 202);
    }
}
