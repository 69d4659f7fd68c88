package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.origin.OriginNode;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.BoundClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost local} with the origin's replica in eu (as in the default topology), on ports of its own: eu
 * edges fetch from the eu replica first, the primary's changes reach the replica, and with the replica gone eu
 * edges fetch from the primary, their backup origin.
 */
class LocalReplicaIT {
    private static final String TOPOLOGY = LocalCdnIT.TEST_TOPOLOGY.replace("24000", "21000")
            .replace("25080", "22080").replace("24080", "21080").replace("24053", "21053")
            .replace("origin: {listen: 127.0.0.1:21080, region: us}",
                    "origin: {listen: 127.0.0.1:21080, region: us, "
                            + "replicas: [{region: eu, listen: 127.0.2.253:21080}]}");

    @Test
    void euEdgesFetchFromTheEuReplicaAndFromThePrimaryOnceItIsGone(@TempDir Path dir) throws Exception {
        Topology topology = ConfigFiles.parse("replica-topology.yml", TOPOLOGY.getBytes(UTF_8), Topology.class);
        assertThat(topology.origin().replicaIn("eu")).isPresent();
        try (LocalCdn cdn = LocalCdn.start(topology, dir, Optional.empty())) {
            cdn.awaitEdgesReady(Duration.ofSeconds(30));
            assertThat(LocalBanner.render(topology, cdn.nodes(), cdn.originInternalUri(), "work", "site"))
                    .containsPattern("origin-eu +eu +http://127\\.0\\.2\\.253:21080 +replica, copies the origin "
                            + "over the eu-us link; eu edges fetch from it first");
            assertThat(LocalBanner.render(topology, LocalCdn.Shield.IN_ORIGIN_REGION, cdn.nodes(),
                    cdn.originInternalUri(), "work", "site")).as("with a shield, eu edges miss to it instead")
                    .contains("eu edges fetch from it first when the shield does not answer");
            OriginNode replica = cdn.replicas().get("eu");
            assertThat(get(null, replica.baseUri() + "/index.html").code()).as("copied the demo site")
                    .isEqualTo(200);
            assertThat(AccessLogLines.await(cdn.accessLogs().get("origin-eu"),
                    l -> "/index.html".equals(AccessLogLines.text(l, "target"))).get("node").asString())
                    .as("the replica writes its own access log").isEqualTo("origin-eu");

            // Only the replica holds this file (put there by hand, so never replicated): it shows who answers.
            Files.writeString(dir.resolve("origin-replica-eu/only-on-the-replica.txt"), "from the eu replica");
            Fetched fromEu = get("127.0.2.50", "http://127.0.0.1:21000/only-on-the-replica.txt");
            assertThat(fromEu.code()).isEqualTo(200);
            assertThat(fromEu.body()).isEqualTo("from the eu replica");
            assertThat(get("127.0.3.50", "http://127.0.0.1:21000/only-on-the-replica.txt").code())
                    .as("ap edges fetch from the primary").isEqualTo(404);

            Request put = new Request.Builder().url(cdn.originInternalUri() + "/_origin/assets/fresh.txt")
                    .header("Authorization", "Bearer " + LocalCdn.ORIGIN_TOKEN)
                    .put(RequestBody.create("written on the primary", MediaType.get("text/plain"))).build();
            try (Response response = new OkHttpClient().newCall(put).execute()) {
                assertThat(response.code()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    get(null, replica.baseUri() + "/fresh.txt").code() == 200);

            cdn.stopReplica("eu");
            Fetched failedOver = get("127.0.2.50", "http://127.0.0.1:21000/fresh.txt");
            assertThat(failedOver.code()).isEqualTo(200);
            assertThat(failedOver.body()).isEqualTo("written on the primary");
            assertThat(failedOver.servedBy()).startsWith("eu-");
        }
    }

    record Fetched(int code, String body, String servedBy) {
    }

    /** {@code curl -L [--interface client] url}. */
    private static Fetched get(String client, String url) throws IOException {
        OkHttpClient direct = new OkHttpClient.Builder().connectionPool(new ConnectionPool())
                .callTimeout(Duration.ofSeconds(20)).build();
        OkHttpClient http = client == null ? direct : BoundClients.from(client, direct);
        try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
            return new Fetched(response.code(), response.body().string(), response.header("X-Served-By"));
        } finally {
            http.connectionPool().evictAll();
        }
    }
}
