package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.testkit.AccessLogLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost local} with and without its shield (docs/caching-tiers.md, "Shield tier"): the same cold object
 * requested from an edge in each of the three regions at once costs the origin one fetch with the shield, three
 * without. Its own ports, so it never shares a listener with {@link LocalCdnIT}.
 */
class LocalShieldIT {
    static final String TOPOLOGY = """
            controlPlane: 127.0.0.1:26000
            origin: {listen: 127.0.0.1:26080, region: us}
            edgePort: 26080
            edgeAdminPort: 27080
            regions:
              - {name: us, clients: 127.0.1.0/24, edges: [127.0.1.1, 127.0.1.2]}
              - {name: eu, clients: 127.0.2.0/24, edges: [127.0.2.1, 127.0.2.2]}
              - {name: ap, clients: 127.0.3.0/24, edges: [127.0.3.1, 127.0.3.2]}
            delays: {us-eu: 40ms, us-ap: 90ms, eu-ap: 120ms}
            dns: {listen: 127.0.0.1:26053}
            """;
    private static final String COLD = "/assets/app.js";
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

    private static LocalCdn startReady(Path dir, LocalCdn.Shield shield) throws InterruptedException {
        Topology topology = ConfigFiles.parse("shield-topology.yml", TOPOLOGY.getBytes(UTF_8), Topology.class);
        LocalCdn cdn = LocalCdn.start(topology, dir, Optional.empty(), shield);
        try {
            cdn.awaitEdgesReady(Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            cdn.close();
            throw e;
        }
        return cdn;
    }

    @Test
    void aColdObjectFromAllThreeRegionsAtOnceCostsOneOriginFetchWithTheShieldAndThreeWithout(@TempDir Path dir)
            throws Exception {
        try (LocalCdn cdn = startReady(dir.resolve("with"), LocalCdn.Shield.IN_ORIGIN_REGION)) {
            List<Reply> replies = coldFromEveryRegion(cdn);
            assertThat(replies).allSatisfy(r -> assertThat(r.cacheStatus()).as(r.servedBy())
                    .startsWith("Outpost-shield; ").contains(", Outpost; fwd=miss"));
            assertThat(originFetches(cdn)).isEqualTo(1);
        }
        try (LocalCdn cdn = startReady(dir.resolve("without"), LocalCdn.Shield.OFF)) {
            List<Reply> replies = coldFromEveryRegion(cdn);
            assertThat(replies).allSatisfy(r -> assertThat(r.cacheStatus()).as(r.servedBy())
                    .startsWith("Outpost; fwd=miss"));
            assertThat(originFetches(cdn)).isEqualTo(3);
        }
    }

    /** GETs the cold object from us-1, eu-1 and ap-1 at the same time. */
    private List<Reply> coldFromEveryRegion(LocalCdn cdn) throws Exception {
        List<CompletableFuture<Reply>> pending = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String edge : List.of("us-1", "eu-1", "ap-1")) {
                String url = cdn.edges().get(edge).baseUri() + COLD;
                pending.add(CompletableFuture.supplyAsync(() -> get(url), clients));
            }
            List<Reply> replies = new ArrayList<>();
            for (CompletableFuture<Reply> reply : pending) {
                assertThat(reply.get().code()).isEqualTo(200);
                replies.add(reply.get());
            }
            return replies;
        }
    }

    /**
     * Requests for the cold object in the origin's access log. A line is written as its response ends; a sentinel
     * asked of the origin afterwards, and logged after it, makes sure none is still on its way.
     */
    private long originFetches(LocalCdn cdn) {
        Path log = cdn.accessLogs().get("origin");
        get(cdn.originInternalUri() + "/index.html?sentinel");
        AccessLogLines.await(log, l -> "/index.html?sentinel".equals(AccessLogLines.text(l, "target")));
        return AccessLogLines.read(log).stream().filter(l -> COLD.equals(AccessLogLines.text(l, "target"))).count();
    }

    private Reply get(String url) {
        try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
            return new Reply(r.code(), r.header("X-Served-By", ""), String.join(", ", r.headers("Cache-Status")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Reply(int code, String servedBy, String cacheStatus) {
    }
}
