package dev.outpost.edge.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.cache.DiskTier;
import dev.outpost.edge.tls.TestPki;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.ConfigCoverage;
import dev.outpost.testkit.ConfigTemplates;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.ManualClock;
import dev.outpost.testkit.RawRequests;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14 §2 for the edge: a config file that sets every key to a value other than its default
 * ({@code config/every-key-edge.yml}) starts an edge on which each setting shows: observably where a client can see
 * it (listeners, limits, routing, signing, header rules, the store), else on the config the node was built from.
 * The guard fails when a config record grows a key the file does not set.
 */
class EveryEdgeKeyTakesEffectIT {
    private static final String ADMIN_TOKEN = "every-key-admin-token-0123";

    @TempDir
    Path dir;
    private final MockWebServer origin = new MockWebServer();
    private TestPki pki;
    private Map<String, String> values;
    private EdgeNode edge;
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(10)).build();

    /** The file with its placeholders filled in. */
    static String yaml(Map<String, String> values) {
        return ConfigTemplates.resource(EveryEdgeKeyTakesEffectIT.class, "/config/every-key-edge.yml", values);
    }

    static String listsYaml(Map<String, String> values) {
        return ConfigTemplates.resource(EveryEdgeKeyTakesEffectIT.class, "/config/every-key-edge-lists.yml", values);
    }

    @BeforeEach
    void start() throws Exception {
        origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                MockResponse.Builder answer = new MockResponse.Builder().code(200).setHeader("Cache-Control",
                        "max-age=600");
                return switch (path) {
                    case "/large" -> answer.setHeader("ETag", "\"large\"").body("x".repeat(2000)).build();
                    case "/medium" -> answer.body("m".repeat(800)).build();
                    default -> answer.body("0123456789".repeat(10)).build();
                };
            }
        });
        origin.start(InetAddress.getByName("127.0.0.1"), 0);
        pki = new TestPki(dir.resolve("ca"), "Outpost CA");
        Path tlsDir = pki.provision(dir.resolve("edge-tls"), pki.identity(List.of("edge.every-key.test"),
                List.of(TestPki.loopback())));
        values = Map.of("CONFIG_CACHE", dir.resolve("config-cache.json").toString(),
                "PUBLIC_PORT", Integer.toString(LoopbackPorts.free()),
                "ADMIN_PORT", Integer.toString(LoopbackPorts.free()),
                "HTTPS_PORT", Integer.toString(LoopbackPorts.free()),
                "ORIGIN", "http://127.0.0.1:" + origin.getPort(),
                "TLS_DIR", tlsDir.toString(),
                "CA_SHA256", Certificates.sha256(pki.ca.certificate()),
                "SPOOL_DIR", dir.resolve("spool").toString(),
                "DISK_DIR", dir.resolve("disk").toString(),
                "ACCESS_LOG", dir.resolve("logs/edge.access.log").toString());
        EdgeConfig config = ConfigFiles.parse("every-key-edge.yml", yaml(values).getBytes(UTF_8), EdgeConfig.class);
        // The control plane's configuration as the edge kept it: the file's services and one more, at version 3.
        List<DeliveryService> cached = new java.util.ArrayList<>(config.services());
        cached.add(DeliveryService.of("cached", List.of("cached.test"), List.of(URI.create(values.get("ORIGIN")))));
        java.nio.file.Files.write(dir.resolve("config-cache.json"),
                Json.mapper().writeValueAsBytes(new ServiceSnapshot(3, cached)));
        edge = EdgeNode.start(config, new ManualClock());
    }

    @AfterEach
    void stop() {
        if (edge != null) {
            edge.close();
        }
        origin.close();
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    @Test
    void theFileSetsEveryKeyOfEveryConfigRecord() throws Exception {
        JsonNode file = Json.yaml().readTree(yaml(values));
        JsonNode lists = Json.yaml().readTree(listsYaml(values));
        assertThat(ConfigCoverage.unsetKeys(EdgeConfig.class, List.of(file, lists)))
                .as("keys of the edge config that every-key-edge.yml does not set (add each, with a check here)")
                .isEmpty();
    }

    @Test
    void theListsNameEveryControlPlaneInOrder() {
        EdgeConfig lists = ConfigFiles.parse("every-key-edge-lists.yml", listsYaml(values).getBytes(UTF_8),
                EdgeConfig.class);
        List<URI> api = List.of(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
        assertThat(lists.controlPlane().orElseThrow().urls()).as("controlPlane.urls").isEqualTo(api);
        assertThat(lists.controlPlane().orElseThrow().url()).as("controlPlane.url reads back the first")
                .isEqualTo(api.get(0));
        assertThat(lists.tls().orElseThrow().controlPlaneUrls()).as("tls.controlPlaneUrls")
                .containsExactly(URI.create("https://127.0.0.1:1"), URI.create("https://127.0.0.1:2"));
        // the failover itself: ControlPlaneFailoverIT
    }

    @Test
    void theNodeRunsWithTheWholeFile() throws Exception {
        EdgeConfig file = ConfigFiles.parse("every-key-edge.yml", yaml(values).getBytes(UTF_8), EdgeConfig.class);
        assertThat(edge.config()).isEqualTo(file);
        // the values the client cannot see from outside, on the config the node runs with
        assertThat(edge.config().cache().maxVariantsPerUrl()).isEqualTo(3);
        assertThat(edge.config().cache().negativeTtl()).isEqualTo(Duration.ofSeconds(7));
        assertThat(edge.config().cache().backgroundFillMaxBytes()).isEqualTo(900);
        assertThat(edge.config().cache().slices()).isEqualTo(new SliceConfig(false, 512L, 700L));
        assertThat(edge.config().origin().connect()).isEqualTo(Duration.ofMillis(1500));
        assertThat(edge.config().origin().maxRequests()).isEqualTo(40);
        assertThat(edge.config().origin().maxRequestsPerClient()).isEqualTo(20);
        assertThat(edge.config().origin().queueWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(edge.config().origin().breaker()).isEqualTo(new OriginBreaker(true, 7, Duration.ofSeconds(3),
                Duration.ofSeconds(45), "/healthz"));
        assertThat(edge.config().origin().shieldFallback()).as("origin.shieldFallback (its effect on an edge "
                + "that fetches through shields: tiers.ShieldFallbackIT)")
                .isEqualTo(ShieldFallback.SHIELD_OR_ORIGIN_UNREACHABLE);
        assertThat(edge.config().origin().fetchThreads()).as("origin.fetchThreads (the threads it makes: "
                + "origin.FetchThreadsTest)").isEqualTo(3);
        assertThat(edge.config().origin().fetchOnIoThread()).as("origin.fetchOnIoThread (its effect: "
                + "aSmallMissIsFetchedOnItsIoThread)").isTrue();
        assertThat(edge.config().cache().spool().maxBytes()).isEqualTo(5_000_000);
        assertThat(edge.config().cache().spool().windowBytes()).isEqualTo(65_536);
        assertThat(dir.resolve("spool")).as("cache.spool.dir is made at start").isDirectory();
        assertThat(edge.config().collapsing().maxWaiters()).isEqualTo(12);
        assertThat(edge.config().limits().listener().failedAuth().window()).isEqualTo(Duration.ofMinutes(2));
        assertThat(edge.config().limits().listener().maxConcurrentStreams()).as("limits.listener.maxConcurrentStreams"
                + " (its effect: Http2FloodIT)").isEqualTo(64);
        assertThat(edge.config().limits().listener().drainTimeout()).as("limits.listener.drainTimeout (its effect:"
                + " EdgeDrainIT, NodeServerDrainIT)").isEqualTo(Duration.ofSeconds(3));
        assertThat(edge.config().tls().orElseThrow().renewCheckInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(edge.controlPlaneLink()).as("controlPlane: the link runs").isPresent();
    }

    @Test
    void roleShieldNamesTheNodesCacheStatusEntriesAndItAsksTheOriginItself() throws Exception {
        try (Response answer = get(http, edge.baseUri() + "/shielded", "listed.test")) {
            assertThat(answer.code()).as("shieldRegion: a shield fetches from the origin").isEqualTo(200);
            assertThat(answer.header("Cache-Status")).as("role: shield").startsWith("Outpost-shield; fwd=miss");
        }
        assertThat(edge.config().services().get(1).shieldRegion()).as("services[].shieldRegion (what edges do with "
                + "it: tiers.ShieldTierIT; the role in the registration: ShieldTierIT too)").contains("us");
    }

    @Test
    void theControlPlanesKeptConfigurationServesUntilItAnswers() throws Exception {
        try (Response cached = get(http, edge.baseUri() + "/a", "cached.test")) {
            assertThat(cached.code()).as("controlPlane.configCache: its services route").isEqualTo(200);
        }
        try (Response health = get(http, edge.baseUri() + "/_edge/health", "listed.test")) {
            JsonNode body = Json.mapper().readTree(health.body().string());
            assertThat(body.get("configSource").asText()).isEqualTo("control-plane");
            assertThat(body.get("configVersion").asLong()).isEqualTo(3);
        }
    }

    @Test
    void aSmallMissIsFetchedOnItsIoThread() throws Exception {
        try (Response miss = get(http, edge.baseUri() + "/io-thread", "cached.test")) {
            assertThat(miss.code()).isEqualTo(200);
        }
        try (Response metrics = get(http, edge.baseUri() + "/_edge/metrics", "cached.test")) {
            assertThat(metrics.body().string()).as("origin.fetchOnIoThread: the IO thread's client fetched the miss")
                    .containsPattern("(?m)^edge_origin_io_thread_misses_total 1(\\.0)?$");
        }
    }

    @Test
    void theAccessLogAndServerTimingAreTheFilesOnes() throws Exception {
        try (Response answer = get(http, edge.baseUri() + "/a?track_secret=s3cr3t", "listed.test")) {
            assertThat(answer.header("Server-Timing")).as("serverTiming").contains("total;dur=");
        }
        String line = AccessLogLines.awaitText(Path.of(values.get("ACCESS_LOG")), "track_secret=REDACTED");
        assertThat(line).as("accessLog.format text, accessLog.node, accessLog.redactQueryParameters")
                .contains(" node=every-key-edge-log ").doesNotContain("s3cr3t");
        assertThat(edge.config().accessLog().maxFileBytes()).isEqualTo(70_000);
        assertThat(edge.config().accessLog().maxFiles()).isEqualTo(1);
    }

    @Test
    void listenersIdAndRegionAreTheFilesOnes() throws Exception {
        assertThat(edge.baseUri()).isEqualTo(URI.create("http://127.0.0.1:" + values.get("PUBLIC_PORT")));
        assertThat(edge.httpsUri()).contains(URI.create("https://127.0.0.1:" + values.get("HTTPS_PORT")));
        assertThat(edge.adminUri()).as("tls.controlPlaneUrl makes the admin listener mutual TLS")
                .contains(URI.create("https://127.0.0.1:" + values.get("ADMIN_PORT")));
        try (Response health = get(http, edge.baseUri() + "/_edge/health", "listed.test")) {
            JsonNode json = Json.mapper().readTree(health.body().string());
            assertThat(json.get("id").asString()).isEqualTo("every-key-edge");
            assertThat(json.get("region").asString()).isEqualTo("eu");
        }
        OkHttpClient https = pki.client(Optional.empty(), List.of(Protocol.HTTP_1_1));
        try (Response overTls = get(https, edge.httpsUri().orElseThrow() + "/a", "listed.test")) {
            assertThat(overTls.code()).as("tls.listen serves the public pipeline").isEqualTo(200);
            assertThat(overTls.header("X-Served-By")).isEqualTo("every-key-edge");
        }
    }

    @Test
    void theAdminListenerTakesOnlyTheControlPlaneWithTheFilesToken() throws Exception {
        TlsIdentity controlPlane = pki.identity(List.of(Certificates.CONTROL_PLANE_NAME),
                List.of(TestPki.loopback()));
        OkHttpClient client = pki.client(Optional.of(controlPlane), List.of(Protocol.HTTP_1_1));
        assertThat(purge(client, ADMIN_TOKEN, "{\"all\":true}").code()).isEqualTo(200);
        assertThat(purge(client, "wrong-token-0123456789", "{\"all\":true}").code()).isEqualTo(401);
        assertThat(purge(client, ADMIN_TOKEN, "{\"urls\":[\"" + "a".repeat(3000) + "\"]}").code())
                .as("limits.maxApiBodyBytes 2048").isEqualTo(413);
        assertThat(purge(client, "wrong-token-0123456789", "{\"all\":true}").code()).isEqualTo(401);
        assertThat(purge(client, ADMIN_TOKEN, "{\"all\":true}").code())
                .as("limits.listener.failedAuth.maxFailures 2: after two failures even the right token waits")
                .isEqualTo(429);
    }

    @Test
    void servicesRouteSignAndForwardHeadersAsTheFileSays() throws Exception {
        try (Response unsigned = get(http, edge.baseUri() + "/a", "signed.test")) {
            assertThat(unsigned.code()).as("signing.required").isEqualTo(403);
        }
        Request listed = new Request.Builder().url(edge.baseUri() + "/a?track_id=1&b=2").header("Host", "listed.test")
                .header("X-Tenant", "t1").header("X-Other", "o1").build();
        try (Response answer = http.newCall(listed).execute()) {
            assertThat(answer.code()).isEqualTo(200);
        }
        RecordedRequest fetched = origin.takeRequest(5, TimeUnit.SECONDS);
        assertThat(fetched).as("shieldRegion us, with no shield known: the edge asks the origin itself").isNotNull();
        assertThat(fetched.getTarget()).as("cacheKey.dropParams track_*").isEqualTo("/a?b=2");
        assertThat(fetched.getHeaders().get("X-Tenant")).as("requestHeaders.allow").isEqualTo("t1");
        assertThat(fetched.getHeaders().get("X-Other")).as("requestHeaders.forward: listed").isNull();
    }

    @Test
    void theDiskTierIsTheFilesOne() throws Exception {
        get(http, edge.baseUri() + "/a", "listed.test").close();
        get(http, edge.baseUri() + "/medium", "listed.test").close();
        DiskTier disk = edge.store().disk().orElseThrow();
        disk.drain();
        assertThat(dir.resolve("disk/objects")).as("cache.disk.dir holds the objects").isDirectory();
        assertThat(disk.entries()).as("/a (100 bytes) on disk, /medium (800) over cache.disk.maxObjectBytes 500")
                .isEqualTo(1);
        assertThat(disk.rejections()).isEqualTo(1);
        assertThat(disk.maxBytes()).as("cache.disk.maxBytes bounds the tier").isEqualTo(40_000_000);
        assertThat(edge.config().cache().disk().fsync()).isTrue();
        assertThat(disk.maxQueuedBytes()).as("cache.disk.maxQueuedBytes bounds the writer's queue").isEqualTo(300);
        assertThat(disk.readsOnIoThread()).as("cache.disk.readOnIoThread: always, whatever the file system")
                .isTrue();
        // What the margin does to the bound on a file system short of space: DiskSpaceTest, DiskFullIT.
        assertThat(disk.minFreeBytes()).as("cache.disk.minFreeBytes").isEqualTo(1_048_576);
    }

    @Test
    void limitsAndTheStoreSizeAreEnforced() throws Exception {
        String put = "PUT /a HTTP/1.1\r\nHost: listed.test\r\nContent-Length: 0\r\n\r\n";
        assertThat(RawRequests.statusOf(edge.port(), put))
                .as("PUT outside limits.allowedMethods").isEqualTo(405);
        String bigHead = "GET /a HTTP/1.1\r\nHost: listed.test\r\nX-Filler: " + "a".repeat(6000) + "\r\n\r\n";
        assertThat(RawRequests.statusOf(edge.port(), bigHead))
                .as("a 6 KiB head over limits.listener.maxHeaderBytes 4096").isEqualTo(431);
        try (Response first = get(http, edge.baseUri() + "/large", "listed.test")) {
            assertThat(first.body().string()).hasSize(2000);
        }
        try (Response second = get(http, edge.baseUri() + "/large", "listed.test")) {
            assertThat(second.header("X-Cache")).as("2000 bytes over cache.maxObjectBytes 1000: never stored")
                    .isNotEqualTo("HIT");
            assertThat(second.header("Cache-Status")).as("cache.slices.enabled false: not sliced either, though it"
                    + " is over cache.slices.minObjectBytes 700 with a strong ETag").doesNotContain("detail=slices");
        }
        assertThat(edge.store().keys()).as("no slice stored").noneMatch(k -> k.contains(" slices"));
        get(http, edge.baseUri() + "/ranged", "listed.test").close();
        Request ranges = new Request.Builder().url(edge.baseUri() + "/ranged").header("Host", "listed.test")
                .header("Range", "bytes=0-0,2-2,4-4").build();
        try (Response whole = http.newCall(ranges).execute()) {
            assertThat(whole.code()).as("three ranges over limits.maxRangeParts 2: the whole body").isEqualTo(200);
        }
    }

    private Response purge(OkHttpClient client, String token, String json) throws IOException {
        return client.newCall(new Request.Builder().url(edge.adminUri().orElseThrow() + "/_edge/purge")
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create(json, MediaType.get("application/json"))).build()).execute();
    }

    private static Response get(OkHttpClient client, String url, String host) throws IOException {
        return client.newCall(new Request.Builder().url(url).header("Host", host).build()).execute();
    }
}
