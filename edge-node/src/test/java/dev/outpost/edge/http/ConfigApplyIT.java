package dev.outpost.edge.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.service.RequestHeaderRules;
import dev.outpost.common.service.SigningConfig;
import dev.outpost.common.service.SigningKey;
import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.FakeControlPlane;
import dev.outpost.edge.signing.UrlSignatures;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 16 on the edge: configuration changes from the control plane apply without a restart, whole and at once
 * (a request in flight finishes with the configuration it started with), and a change the edge cannot run is
 * refused with a reason while later entries still apply.
 */
class ConfigApplyIT {
    private static final String OLD_SECRET = "old-secret-old-secret-old-secret-1";
    private static final String NEW_SECRET = "new-secret-new-secret-new-secret-2";

    private final FakeControlPlane controlPlane;
    private EdgeFixture f;

    ConfigApplyIT() throws IOException {
        controlPlane = new FakeControlPlane();
    }

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
        controlPlane.close();
    }

    private EdgeFixture registeredEdge(UnaryOperator<dev.outpost.edge.config.EdgeConfig> adjust) throws IOException {
        f = new EdgeFixture(c -> adjust.apply(c.withControlPlane(controlPlane.link())));
        await().atMost(Duration.ofSeconds(10)).until(() -> f.edge.controlPlaneLink().orElseThrow().registered());
        return f;
    }

    private DeliveryService assets() {
        return DeliveryService.of(EdgeFixture.SERVICE, List.of(EdgeFixture.HOST), List.of(origin()));
    }

    private URI origin() {
        return URI.create("http://127.0.0.1:" + f.origin.getPort());
    }

    @Test
    void aNewHostRoutesAsSoonAsItsChangeIsAppliedAndADeletedOneStopsAtOnce() throws Exception {
        registeredEdge(UnaryOperator.identity());
        assertThat(fetch("news.test", "/a").code()).isEqualTo(404);

        DeliveryService news = DeliveryService.of("news", List.of("news.test"), List.of(origin()));
        assertThat(config(1, new ServiceChange("news", 1, news))).isEqualTo(ConfigResult.applied(1));
        f.enqueue(f.ok("news", "max-age=600"));
        assertThat(fetch("news.test", "/a").body()).isEqualTo("news");
        assertThat(fetch("news.test", "/a").xCache()).as("cached under the new service").isEqualTo("HIT");

        assertThat(config(2, new ServiceChange("news", 2, null))).isEqualTo(ConfigResult.applied(2));
        EdgeFixture.Answer gone = fetch("news.test", "/a");
        assertThat(gone.code()).as("its objects are still stored, but nothing routes to them").isEqualTo(404);
        assertThat(gone.body()).contains("unknown_host");
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aRequestInFlightFinishesWithTheConfigurationItStartedWith() throws Exception {
        byte[] body = "x".repeat(200_000).getBytes(UTF_8);
        try (HoldingOrigin held = new HoldingOrigin(body, 1000, false, "max-age=600")) {
            registeredEdge(c -> c.withServices(List.of(DeliveryService.of(EdgeFixture.SERVICE,
                    List.of(EdgeFixture.HOST), List.of(held.uri())))));
            CompletableFuture<EdgeFixture.Answer> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.fetch("/big");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            held.awaitHeld();

            assertThat(config(1, new ServiceChange(EdgeFixture.SERVICE, 1, null)).applied()).isTrue();
            assertThat(fetch(EdgeFixture.HOST, "/other").code()).as("the new configuration serves no such host")
                    .isEqualTo(404);
            held.release();

            EdgeFixture.Answer finished = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(finished.code()).isEqualTo(200);
            assertThat(finished.body()).hasSize(body.length);
        }
    }

    @Test
    void aSigningKeyRotationTakesEffectWithoutARestart() throws Exception {
        registeredEdge(c -> c.withServices(List.of(c.services().get(0)
                .withSigning(SigningConfig.required(List.of(SigningKey.of(OLD_SECRET)))))));
        String byNewKey = signed(NEW_SECRET, "/video.mp4");
        String byOldKey = signed(OLD_SECRET, "/video.mp4");
        assertThat(f.fetch(byNewKey).code()).isEqualTo(403);

        DeliveryService rotated = assets().withSigning(SigningConfig.required(List.of(SigningKey.of(NEW_SECRET))));
        assertThat(config(1, new ServiceChange(EdgeFixture.SERVICE, 1, rotated)).applied()).isTrue();
        f.enqueue(f.ok("video", "max-age=600"));
        assertThat(f.fetch(byNewKey).code()).isEqualTo(200);
        assertThat(f.fetch(byOldKey).code()).as("the retired key no longer verifies").isEqualTo(403);
    }

    @Test
    void aHeaderPolicyChangeTakesEffectWithoutARestart() throws Exception {
        registeredEdge(UnaryOperator.identity());
        f.enqueue(f.ok("one", "no-store"));
        f.fetch("/one", "X-Debug", "1");
        assertThat(f.takeOriginRequest().getHeaders().get("X-Debug")).isEqualTo("1");

        DeliveryService dropping = assets().withRequestHeaders(new RequestHeaderRules("all", List.of("x-debug"),
                null));
        assertThat(config(1, new ServiceChange(EdgeFixture.SERVICE, 1, dropping)).applied()).isTrue();
        f.enqueue(f.ok("two", "no-store"));
        f.fetch("/two", "X-Debug", "1");
        assertThat(f.takeOriginRequest().getHeaders().get("X-Debug")).isNull();
    }

    @Test
    void aChangeTheEdgeCannotRunIsRefusedWithItsReasonAndTheNextEntryStillApplies() throws Exception {
        registeredEdge(c -> c.withServices(List.of()).withServices(List.of(c.services().get(0))));
        DeliveryService base = assets();
        assertThat(config(1, new ServiceChange(EdgeFixture.SERVICE, 1, base)).applied()).isTrue();

        DeliveryService thief = DeliveryService.of("thief", List.of(EdgeFixture.HOST), List.of(origin()));
        ConfigResult refused = config(2, new ServiceChange("thief", 2, thief));
        assertThat(refused.applied()).isFalse();
        assertThat(refused.reason()).contains(EdgeFixture.HOST).contains(EdgeFixture.SERVICE);

        DeliveryService loop = DeliveryService.of("loop", List.of("loop.test"), List.of(f.edge.baseUri()));
        ConfigResult looping = config(3, new ServiceChange("loop", 3, loop));
        assertThat(looping.applied()).isFalse();
        assertThat(looping.reason()).contains("own listener");

        f.enqueue(f.ok("still", "max-age=60"));
        assertThat(f.fetch("/a").body()).as("the previous configuration still runs").isEqualTo("still");
        DeliveryService news = DeliveryService.of("news", List.of("news.test"), List.of(origin()));
        assertThat(config(4, new ServiceChange("news", 4, news))).isEqualTo(ConfigResult.applied(4));
        assertThat(f.edge.appliedSequence()).isEqualTo(4);
        assertThat(health().get("configVersion").asLong()).isEqualTo(4);
    }

    @Test
    void catchUpConfigEntriesApplyAndTheirResultsAndVersionGoBackInHeartbeats() throws Exception {
        registeredEdge(UnaryOperator.identity());
        DeliveryService news = DeliveryService.of("news", List.of("news.test"), List.of(origin()));
        controlPlane.reply(new HeartbeatReply(1, List.of(configEntry(1, new ServiceChange("news", 1, news))),
                false, false));

        await().atMost(Duration.ofSeconds(10)).until(() -> controlPlane.heartbeats().stream()
                .anyMatch(h -> h.configVersion() != null && h.configVersion() == 1 && h.appliedSequence() == 1));
        String result = controlPlane.heartbeats().stream().flatMap(h -> h.results().stream())
                .filter(r -> r.sequence() == 1).findFirst().orElseThrow().result();
        assertThat(Json.mapper().readValue(result, ConfigResult.class)).isEqualTo(ConfigResult.applied(1));
        f.enqueue(f.ok("news", "max-age=60"));
        assertThat(fetch("news.test", "/a").body()).isEqualTo("news");
        assertThat(fetch(EdgeFixture.HOST, "/a").code())
                .as("the control plane's configuration replaced the file's services").isEqualTo(404);
    }

    @Test
    void anEdgeWithoutFileServicesServesNoHostUntilItsFirstSnapshotWhichReplacesEverything() throws Exception {
        registeredEdge(c -> c.withServices(List.of()));
        assertThat(f.fetch("/a").code()).isEqualTo(404);
        assertThat(health().get("configSource").asText()).isEqualTo("file");

        DeliveryService site = DeliveryService.of("site", List.of(EdgeFixture.HOST), List.of(origin()));
        InvalidationEntry resetPurge = new InvalidationEntry(9, InvalidationEntry.Kind.PURGE, null, null, null,
                null, true, true, null);
        controlPlane.reply(new HeartbeatReply(9, List.of(resetPurge), false, false, true,
                new ServiceSnapshot(5, List.of(site))));
        await().atMost(Duration.ofSeconds(10)).until(() -> f.edge.services().current().version() == 5);
        f.enqueue(f.ok("site", "max-age=60"));
        assertThat(f.fetch("/a").body()).isEqualTo("site");
        JsonNode health = health();
        assertThat(health.get("configSource").asText()).isEqualTo("control-plane");
        assertThat(health.get("configVersion").asLong()).isEqualTo(5);
        assertThat(health.get("appliedSequence").asLong()).isEqualTo(9);
    }

    @Test
    void theRegistrationSnapshotReplacesTheFilesServicesAndIsKeptForARestart(@TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path cache = dir.resolve("services.json");
        controlPlane.registrationSnapshot(new ServiceSnapshot(7, List.of(DeliveryService.of("cp",
                List.of("cp.test"), List.of(URI.create("http://127.0.0.1:9"))))));
        registeredEdge(c -> c.withControlPlane(controlPlane.link().withConfigCache(cache.toString())));
        assertThat(f.fetch("/a").code()).as("the file's service").isEqualTo(404);
        assertThat(f.edge.services().find("cp.test")).isPresent();
        ServiceSnapshot kept = Json.mapper().readValue(java.nio.file.Files.readAllBytes(cache),
                ServiceSnapshot.class);
        assertThat(kept.version()).isEqualTo(7);
        assertThat(kept.services()).extracting(DeliveryService::name).containsExactly("cp");
    }

    @Test
    void aConfigCallWithoutASequenceIsRefused() throws Exception {
        registeredEdge(UnaryOperator.identity());
        try (Response r = admin(new ServiceChange("news", 1, null), Optional.empty())) {
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.body().string()).contains("missing_sequence");
        }
        assertThat(f.edge.services().current().version()).isZero();
    }

    private String signed(String secret, String path) {
        UrlSignatures signer = new UrlSignatures(List.of(SigningKey.of(secret)), UrlSignatures.DEFAULT_MAX_LIFETIME);
        return path + "?" + signer.sign(EdgeFixture.HOST, path, f.clock.instant().plusSeconds(300), Optional.empty(),
                Optional.empty(), f.clock.instant());
    }

    private static InvalidationEntry configEntry(long sequence, ServiceChange change) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.CONFIG, null, null, null, null, false, false,
                null, change);
    }

    private ConfigResult config(long sequence, ServiceChange change) throws IOException {
        try (Response r = admin(change, Optional.of(sequence))) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(200);
            return Json.mapper().readValue(body, ConfigResult.class);
        }
    }

    private Response admin(ServiceChange change, Optional<Long> sequence) throws IOException {
        Request.Builder request = new Request.Builder().url(EdgeAdmin.url(f.admin(), EdgeAdmin.CONFIG_PATH))
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .post(RequestBody.create(Json.mapper().writeValueAsBytes(change),
                        MediaType.get("application/json")));
        sequence.ifPresent(s -> request.header(EdgeAdmin.SEQUENCE_HEADER, Long.toString(s)));
        return f.client.newCall(request.build()).execute();
    }

    private EdgeFixture.Answer fetch(String host, String path) throws IOException {
        try (Response r = f.client.newCall(new Request.Builder().url(f.edge.baseUri() + path).header("Host", host)
                .build()).execute()) {
            return new EdgeFixture.Answer(r.code(), r.body().string(), r.headers());
        }
    }

    private JsonNode health() throws IOException {
        return Json.mapper().readTree(f.fetch("/_edge/health").body());
    }
}
