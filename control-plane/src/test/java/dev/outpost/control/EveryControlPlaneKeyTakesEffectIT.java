package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.ConfigCoverage;
import dev.outpost.testkit.ConfigTemplates;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.ManualClock;
import dev.outpost.testkit.PostgresServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14 §2 for the control plane: a config file that sets every key to a value other than its default
 * ({@code config/every-key-cp.yml}) starts a control plane on which each setting shows: observably where a client
 * can see it (listeners, tokens, steering, limits, rate limits, entry sizes, the edge token on live pushes), else on
 * the config the node was built from. The guard fails when a config record grows a key the file does not set.
 */
class EveryControlPlaneKeyTakesEffectIT {
    static final String OPS = "every-key-ops-token-0";
    /** The file's tls section, in a run of its own. */
    static final String TLS_SECTION = """
            tls:
              nodeListen: "127.0.0.1:{{NODE_PORT}}"
              names: [cp.every-key.test]
              addresses: [127.0.0.1]
              certificateValidity: 20d
              maxJoinTokenTtl: 2d
              allowPlainOriginEvents: true
            """;
    /** The store section's sqlite variant (its keys exclude the postgresql ones of the file); {{PATH}} filled in. */
    static final String SQLITE_STORE = "store: {engine: sqlite, path: \"{{PATH}}\", poolSize: 2, connectTimeout: 3s}";
    private static final String STORE_PASSWORD = "every-key-db-secret";
    private static final java.util.concurrent.atomic.AtomicInteger ROLES = new java.util.concurrent.atomic.AtomicInteger();
    private static final String READER = "every-key-reader-token";
    private static final String NODE = "every-key-node-token-0";
    private static final String ADMIN = "every-key-admin-token-0";

    @TempDir
    Path dir;
    private Map<String, String> values;
    private String yaml;
    private ControlPlane plane;
    private final ManualClock clock = new ManualClock(Instant.now());
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(20)).build();
    private FakeEdge apEdge;

    /** The file with its placeholders filled in. */
    static String yaml(Map<String, String> values) {
        return ConfigTemplates.resource(EveryControlPlaneKeyTakesEffectIT.class, "/config/every-key-cp.yml", values);
    }

    @BeforeEach
    void start() throws Exception {
        Path geoip = Files.writeString(dir.resolve("geoip.csv"), "127.0.9.0/24,ap\n");
        values = new LinkedHashMap<>();
        values.put("API_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("STEERING_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("DNS_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("DATA", dir.resolve("cp-data").toString());
        values.put("OPS_SHA256", ControlPlaneConfig.sha256(OPS));
        values.put("GEOIP", geoip.toString());
        values.put("TLS", "");
        values.put("ACCESS_LOG", dir.resolve("logs/cp.access.log").toString());
        // a role that must give its password (the file's), owning a fresh database
        String role = "every_key_" + ROLES.incrementAndGet();
        PostgresServer.shared().createRole(role, STORE_PASSWORD);
        values.put("STORE_USER", role);
        values.put("STORE_URL", PostgresServer.shared().createDatabase("every_key", role));
        values.put("STORE_PASSWORD_FILE", Files.writeString(dir.resolve("db-password"), STORE_PASSWORD + "\n")
                .toString());
        yaml = yaml(values);
        plane = ControlPlane.start(parse(yaml), clock);
        apEdge = new FakeEdge("ap-1", "ap");
        HttpReply registered = call("POST", "/api/v1/nodes/register", NODE,
                new String(Json.bytes(apEdge.registration()), UTF_8));
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        assertThat(registered.json().get("heartbeatIntervalMillis").asLong()).as("heartbeat.interval")
                .isEqualTo(2000);
    }

    private static ControlPlaneConfig parse(String yaml) {
        return ConfigFiles.parse("every-key-cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
    }

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
        if (apEdge != null) {
            apEdge.close();
        }
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    /** The file with its tls section, for a second control plane on other ports and another data directory. */
    private String withTls() throws IOException {
        Map<String, String> tls = new LinkedHashMap<>(values);
        tls.put("API_PORT", Integer.toString(LoopbackPorts.free()));
        tls.put("STEERING_PORT", Integer.toString(LoopbackPorts.free()));
        tls.put("DNS_PORT", Integer.toString(LoopbackPorts.free()));
        tls.put("DATA", dir.resolve("cp-tls-data").toString());
        tls.put("ACCESS_LOG", dir.resolve("logs/cp-tls.access.log").toString());
        tls.put("STORE_URL", PostgresServer.shared().createDatabase("every_key_tls", values.get("STORE_USER")));
        tls.put("TLS", TLS_SECTION.replace("{{NODE_PORT}}", Integer.toString(LoopbackPorts.free())));
        return yaml(tls);
    }

    @Test
    void theAccessLogAndServerTimingAreTheFilesOnes() throws Exception {
        Request traced = new Request.Builder().url(plane.apiUri() + "/api/v1/nodes?track_secret=s3cr3t")
                .header("Authorization", "Bearer " + READER)
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build();
        HttpReply answer = HttpReply.call(http, traced);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Server-Timing")).as("serverTiming").startsWith("total;dur=");
        String line = AccessLogLines.awaitText(Path.of(values.get("ACCESS_LOG")), "track_secret=REDACTED");
        assertThat(line).as("accessLog.format text, accessLog.node, accessLog.redactQueryParameters")
                .contains(" node=every-key-cp-log ").doesNotContain("s3cr3t")
                .as("the caller's trace and span").contains(" trace=0af7651916cd43dd8448eb211c80319c ")
                .endsWith(" parent=b7ad6b7169203331");
        assertThat(plane.config().accessLog().maxFileBytes()).isEqualTo(70_000);
        assertThat(plane.config().accessLog().maxFiles()).isEqualTo(1);
    }

    @Test
    void theFileSetsEveryKeyOfEveryConfigRecord() throws Exception {
        assertThat(ConfigCoverage.unsetKeys(ControlPlaneConfig.class, List.of(Json.yaml().readTree(withTls()),
                Json.yaml().readTree(SQLITE_STORE.replace("{{PATH}}", "/x")))))
                .as("keys of the control-plane config that every-key-cp.yml does not set (add each, with a check "
                        + "here)")
                .isEmpty();
    }

    @Test
    void theStateLivesInThePostgresqlDatabaseTheFileNamesReachedAsItsUserWithItsPasswordAndPool() throws Exception {
        assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/a\"]}").status())
                .isEqualTo(202);
        String database = values.get("STORE_URL").substring(values.get("STORE_URL").lastIndexOf('/') + 1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                PostgresServer.shared().value("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
                        + "' AND usename = '" + values.get("STORE_USER") + "' AND application_name <> "
                        + "'outpost change feed'"))
                .as("store.poolSize connections as store.user (besides the change feed's own)").isEqualTo("3"));
        assertThat(dir.resolve("cp-data").resolve(StoreSettings.DEFAULT_FILE)).as("no sqlite file").doesNotExist();
        assertThat(plane.config().store().connectTimeout()).isEqualTo(Duration.ofSeconds(2));

        // store.pollInterval: an entry written behind the control plane's back (no notification) is learned by the
        // fallback poll; store.instanceLease: an instance silent for 4 s is not live under a 3 s lease
        PostgresServer.shared().psql("UPDATE sequences SET last = last + 1 WHERE name = 'invalidation_log'; "
                + "INSERT INTO entries (sequence, kind, urls, prefixes, tags, hosts, all_content, soft, regions, "
                + "accepted_at, requested_by) SELECT last, 'purge', '[]', '[]', '[]', '[\"www.every-key.test\"]', 0, 0, '', 0, "
                + "'behind its back' FROM sequences WHERE name = 'invalidation_log'; "
                + "INSERT INTO instances (id, api_url, started_at, renewed_at) VALUES "
                + "('silent', 'x', 0, CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT) - 4000), "
                + "('future', 'x', 0, CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT) + 600000)", database);
        await().atMost(Duration.ofSeconds(30)).until(() -> plane.log().lastSequence() == 2
                && plane.instances().orElseThrow().live().contains("future"));
        assertThat(plane.instances().orElseThrow().live()).as("store.instanceLease").doesNotContain("silent");
        assertThat(plane.config().store().pollInterval()).isEqualTo(Duration.ofMillis(300));

        Map<String, String> wrong = new LinkedHashMap<>(values);
        wrong.put("API_PORT", Integer.toString(LoopbackPorts.free()));
        wrong.put("STEERING_PORT", Integer.toString(LoopbackPorts.free()));
        wrong.put("DNS_PORT", Integer.toString(LoopbackPorts.free()));
        wrong.put("DATA", dir.resolve("cp-wrong-password").toString());
        wrong.put("STORE_PASSWORD_FILE", Files.writeString(dir.resolve("wrong-password"), "not-it").toString());
        assertThatThrownBy(() -> ControlPlane.start(parse(yaml(wrong)), clock)).as("store.passwordFile is sent")
                .hasMessageContaining("cannot open the store (postgresql " + values.get("STORE_URL"))
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void theSqliteVariantKeepsTheStateInTheFileStorePathNames() throws Exception {
        plane.close();
        http.connectionPool().evictAll(); // the next plane listens on the same port
        Path file = dir.resolve("elsewhere/state.db");
        String sqlite = yaml.replaceAll("(?ms)^store:\\n(  .*?\\n)+", "") + SQLITE_STORE.replace("{{PATH}}",
                file.toString()) + "\n";
        plane = ControlPlane.start(parse(sqlite), clock);
        assertThat(plane.config().store().poolSize()).isEqualTo(2);
        assertThat(plane.config().store().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/a\"]}").status())
                .isEqualTo(202);
        assertThat(file).as("store.path").exists();
        assertThat(dir.resolve("cp-data").resolve(StoreSettings.DEFAULT_FILE)).doesNotExist();
    }

    @Test
    void theNodeRunsWithTheWholeFile() {
        assertThat(plane.config()).isEqualTo(parse(yaml));
        ControlPlaneConfig config = plane.config();
        assertThat(config.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.log().retention()).isEqualTo(Duration.ofDays(3));
        assertThat(config.log().retentionEntries()).isEqualTo(500);
        assertThat(config.log().pushExpiry()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.log().catchUpPageBytes()).isEqualTo(4096);
        assertThat(config.delivery().retryInitial()).isEqualTo(Duration.ofHours(1));
        assertThat(config.delivery().fenceAfter()).isEqualTo(Duration.ofHours(3));
        assertThat(config.delivery().maxTries()).isEqualTo(5);
        assertThat(config.stats().flushEvery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.stats().retention()).isEqualTo(Duration.ofDays(2));
        assertThat(config.limits().requestParseTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(config.limits().maxConcurrentStreams()).as("limits.maxConcurrentStreams (its effect: Http2FloodIT)")
                .isEqualTo(64);
        assertThat(config.limits().drainTimeout()).as("limits.drainTimeout (its effect: NodeServerDrainIT)")
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theTlsSectionOpensTheNodeListenerAndBoundsJoinTokens() throws Exception {
        String tlsYaml = withTls();
        try (ControlPlane secured = ControlPlane.start(parse(tlsYaml), clock)) {
            assertThat(secured.config()).isEqualTo(parse(tlsYaml));
            assertThat(secured.config().tls().orElseThrow().certificateValidity()).isEqualTo(Duration.ofDays(20));
            int nodePort = secured.config().tls().orElseThrow().nodeListenAddress().port();
            assertThat(secured.nodeUri().orElseThrow().getPort()).as("tls.nodeListen").isEqualTo(nodePort);
            HttpReply joinToken = HttpReply.call(http, new Request.Builder()
                    .url(secured.apiUri() + "/api/v1/join-tokens").header("Authorization", "Bearer " + ADMIN)
                    .post(RequestBody.create("{\"node\":\"eu-1\",\"names\":[\"a.internal\"],\"ttl\":\"3d\"}",
                            MediaType.get("application/json"))).build());
            assertThat(joinToken.error()).as("tls.maxJoinTokenTtl 2d").isEqualTo("bad_ttl");
            HttpReply notice = HttpReply.call(http, new Request.Builder()
                    .url(secured.apiUri() + "/api/v1/origin-events?origin=primary")
                    .header("Authorization", "Bearer " + NODE)
                    .post(RequestBody.create("{\"event\":\"changed\",\"path\":\"/a.css\"}",
                            MediaType.get("application/json"))).build());
            assertThat(notice.status()).as("tls.allowPlainOriginEvents: taken on the plain API listener")
                    .isEqualTo(202);
        }
    }

    @Test
    void listenersAndTokensAreTheFilesOnes() throws Exception {
        assertThat(plane.apiUri().getPort()).isEqualTo(Integer.parseInt(values.get("API_PORT")));
        assertThat(plane.steeringUri().orElseThrow().getPort())
                .isEqualTo(Integer.parseInt(values.get("STEERING_PORT")));
        assertThat(call("GET", "/api/v1/nodes", OPS, null).status()).as("tokens[].sha256").isEqualTo(200);
        assertThat(call("GET", "/api/v1/nodes", READER, null).status()).as("tokens[].token").isEqualTo(200);
        assertThat(call("POST", "/api/v1/purges", READER, "{\"urls\":[\"http://www.every-key.test/a\"]}").status())
                .as("tokens[].scopes").isEqualTo(403);
    }

    @Test
    void steeringUsesTheFilesRegionsGeoIpLatencyAndProxies() {
        JsonNode byCidr = route("127.0.3.7");
        assertThat(byCidr.get("clientRegion").asString()).isEqualTo("ap");
        assertThat(byCidr.get("chosen").asString()).isEqualTo("ap-1");
        assertThat(route("127.0.9.7").get("clientRegion").asString()).as("geoipCsv").isEqualTo("ap");
        assertThat(route("198.51.100.7").get("clientRegion").asString()).as("defaultRegion").isEqualTo("eu");
        JsonNode eu = route("127.0.2.7");
        assertThat(eu.get("servingRegion").asString()).as("latency eu-ap 10ms: nearer than us").isEqualTo("ap");
        HttpReply forwarded = HttpReply.call(http, new Request.Builder()
                .url(plane.apiUri() + "/api/v1/route?url=http://www.every-key.test/a.css")
                .header("Authorization", "Bearer " + READER).header("X-Forwarded-For", "127.0.9.7").build());
        assertThat(forwarded.json().get("client").asString())
                .as("trustedProxies: 127.0.0.1's X-Forwarded-For is believed").isEqualTo("127.0.9.7");
    }

    @Test
    void callsAreBoundedAsTheFileSays() throws Exception {
        assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/1\","
                + "\"http://www.every-key.test/2\",\"http://www.every-key.test/3\",\"http://www.every-key.test/4\"]}")
                .status()).as("maxUrlsPerCall 3").isEqualTo(400);
        assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/" + "t".repeat(3000)
                + "\"]}").error())
                .as("log.maxEntryBytes 2048").isEqualTo("entry_too_large");
        for (int i = 0; i < 3; i++) {
            assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/" + i + "\"]}")
                    .status()).isEqualTo(202);
        }
        assertThat(call("POST", "/api/v1/purges", OPS, "{\"urls\":[\"http://www.every-key.test/x\"]}").status())
                .as("rateLimits.purgesPerMinute 3").isEqualTo(429);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(apEdge.authorizations())
                .as("edgeToken, on the live pushes to the edge's admin API")
                .contains("Bearer every-key-edge-token-0123"));
        HttpReply upload = HttpReply.call(http, new Request.Builder().url(plane.apiUri() + "/api/v1/assets/big.bin"
                + "?origin=primary").header("Authorization", "Bearer " + OPS)
                .put(RequestBody.create(new byte[2000], MediaType.get("application/octet-stream"))).build());
        assertThat(upload.status()).as("origins[].maxUploadBytes 1000").isEqualTo(413);
    }

    @Test
    void listenerLimitsAndTheFailedAuthBudgetAreEnforced() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", plane.apiUri().getPort())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/nodes HTTP/1.1\r\nHost: cp\r\nX-Filler: " + "a".repeat(6000) + "\r\n\r\n")
                    .getBytes(UTF_8));
            String line = new String(socket.getInputStream().readNBytes(12), UTF_8);
            assertThat(line).as("a 6 KiB head over limits.maxHeaderBytes 4096").matches("HTTP/1.1 4(00|31)");
        } catch (java.net.SocketException closed) {
            // also a refusal: the connection was closed on the oversized head
        }
        call("GET", "/api/v1/nodes", "wrong-token-0123456789", null);
        call("GET", "/api/v1/nodes", "wrong-token-0123456789", null);
        assertThat(call("GET", "/api/v1/nodes", OPS, null).status()).as("limits.failedAuth.maxFailures 2")
                .isEqualTo(429);
    }

    @Test
    void aSectionThatCanTakeNoEffectFailsStartUpNamingIt() {
        String base = "data: d\nregions: [{name: us}]\n";
        assertThat(catchThrowable(() -> parse(base + "origins: [{id: o, hosts: [h], token: t}]\n")
                .requireEverySectionUsed())).hasMessageContaining("origins.o.token")
                .hasMessageContaining("origins.o.url");
        assertThat(catchThrowable(() -> parse(base + "origins: [{id: o, hosts: [h], maxUploadBytes: 5}]\n")
                .requireEverySectionUsed())).hasMessageContaining("origins.o.maxUploadBytes");
        parse(base + "origins: [{id: o, hosts: [h]}]\n").requireEverySectionUsed();
    }

    @Test
    void theDnsSectionSetsTheServersAddressZoneAnswersAndBudgets() throws Exception {
        registerEdge("ap-2", "ap", "http://127.0.3.2:8080");
        java.net.InetSocketAddress dns = plane.dnsAddress().orElseThrow();
        assertThat(dns.getPort()).as("dns.listen").isEqualTo(Integer.parseInt(values.get("DNS_PORT")));
        Message answer = dnsQuery("127.0.3.50", "cdn.every-key.test.", Type.A, false);
        assertThat(answer.getSection(Section.ANSWER)).as("dns.zone, dns.names, dns.answers 2").hasSize(2);
        assertThat(answer.getSection(Section.ANSWER).get(0).getTTL()).as("dns.ttl").isEqualTo(7);
        SOARecord soa = (SOARecord) dnsQuery("127.0.3.50", "every-key.test.", Type.SOA, false)
                .getSection(Section.ANSWER).get(0);
        assertThat(soa.getHost().toString()).as("dns.nameServer").isEqualTo("ns9.every-key.test.");
        assertThat(dnsQuery("127.0.3.50", "ns9.every-key.test.", Type.A, false).getSection(Section.ANSWER)
                .get(0).rdataToString()).as("dns.nameServerAddresses").isEqualTo("127.0.0.9");
        for (int i = 0; i < 3; i++) {
            assertThat(dnsQuery("127.0.8.1", "cdn.every-key.test.", Type.A, false).getSection(Section.ANSWER))
                    .isNotEmpty();
        }
        assertThat(dnsQuery("127.0.8.1", "cdn.every-key.test.", Type.A, false).getHeader().getFlag(Flags.TC))
                .as("dns.responsesPerSecond 3").isTrue();

        try (Socket first = new Socket(dns.getAddress(), dns.getPort());
                Socket second = new Socket(dns.getAddress(), dns.getPort())) {
            first.setSoTimeout(20_000);
            second.setSoTimeout(20_000);
            assertThat(tcpExchange(first)).as("the first connection is served").isGreaterThan(0);
            assertThat(tcpExchange(second)).as("dns.maxTcpConnections 1: the second is closed").isEqualTo(-1);
            assertThat(first.getInputStream().read()).as("dns.tcpIdleTimeout 5s closes the idle first one")
                    .isEqualTo(-1);
        }
    }

    @Test
    void theBalancingSectionChoosesThePolicyPerServiceRegionAndDefault() {
        registerEdge("ap-2", "ap", "http://127.0.3.2:8080");
        registerEdge("us-1", "us", "http://127.0.1.1:8080");
        JsonNode us = route("127.0.1.7");
        assertThat(us.get("policy").asString()).as("balancing.policy").isEqualTo("least-response-time");
        JsonNode ap = route("127.0.3.7");
        assertThat(ap.get("policy").asString()).as("balancing.regions").isEqualTo("rendezvous-bounded-load");
        assertThat(ap.get("inputs").get("loadFactor").asString()).as("balancing.loadFactor").isEqualTo("1.50");
        HttpReply img = call("GET", "/api/v1/route?url=http://img.every-key.test/a.png&client=127.0.3.7", READER,
                null);
        assertThat(img.json().get("policy").asString()).as("balancing.services").isEqualTo("weighted-round-robin");
        assertThat(img.json().get("inputs").get("weights").asString()).as("balancing.weights")
                .isEqualTo("ap-1=4,ap-2=1");
    }

    private void registerEdge(String id, String region, String publicUrl) {
        HttpReply reply = call("POST", "/api/v1/nodes/register", NODE, """
                {"id":"%s","kind":"edge","region":"%s","publicUrl":"%s","adminUrl":"http://127.0.0.1:9",
                 "appliedSequence":0,"cacheEmpty":true}""".formatted(id, region, publicUrl));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private Message dnsQuery(String client, String name, int type, boolean tcp) throws IOException {
        SimpleResolver resolver = new SimpleResolver(plane.dnsAddress().orElseThrow());
        resolver.setLocalAddress(java.net.InetAddress.getByName(client));
        resolver.setTimeout(Duration.ofSeconds(10));
        resolver.setIgnoreTruncation(true);
        resolver.setTCP(tcp);
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    /** Sends one query over the connection; the length of the answer, or -1 when the server closed it. */
    private static int tcpExchange(Socket socket) throws IOException {
        byte[] query = Message.newQuery(Record.newRecord(Name.fromString("cdn.every-key.test."), Type.A,
                DClass.IN)).toWire();
        java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
        try {
            out.writeShort(query.length);
            out.write(query);
            out.flush();
        } catch (java.net.SocketException closed) {
            return -1;
        }
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        try {
            int length = in.readUnsignedShort();
            in.readNBytes(length);
            return length;
        } catch (java.io.EOFException | java.net.SocketException closed) {
            return -1;
        }
    }

    private JsonNode route(String client) {
        HttpReply reply = call("GET", "/api/v1/route?url=http://www.every-key.test/a.css&client=" + client, READER,
                null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private HttpReply call(String method, String path, String token, String json) {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + path)
                .method(method, json == null ? null : RequestBody.create(json.getBytes(UTF_8),
                        MediaType.get("application/json")));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpReply.call(http, request.build());
    }
}
