package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.common.service.DeliveryService;
import java.io.IOException;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One cache entry per object of a delivery service whatever Host the client used: the service answers for
 * {@code assets.test}, {@code cdn.assets.test} and an edge address {@code 127.0.2.1} (what {@code outpost local}
 * steers clients to), and requests, purges and pushes naming any of them meet the one entry.
 */
class ServiceKeyIT {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final List<String> HOSTS = List.of(EdgeFixture.HOST, "cdn.assets.test", "127.0.2.1");
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture(c -> RequestHeadersIT.withService(c,
                DeliveryService.of(EdgeFixture.SERVICE, HOSTS, c.services().get(0).origins())));
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private Answer get(String host, String path) throws IOException {
        Request request = new Request.Builder().url(f.edge.baseUri() + path).header("Host", host).build();
        try (Response r = f.client.newCall(request).execute()) {
            return new Answer(r.code(), r.body().string(), r.headers());
        }
    }

    private Answer admin(String method, String path, String body) throws IOException {
        Request request = new Request.Builder().url(f.admin() + path)
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .method(method, RequestBody.create(body, JSON)).build();
        try (Response r = f.client.newCall(request).execute()) {
            return new Answer(r.code(), r.body().string(), r.headers());
        }
    }

    @Test
    void everyHostNameOfTheServiceSharesOneEntryPerObject() throws Exception {
        f.enqueue(f.ok("logo", "max-age=600"));
        assertThat(get("127.0.2.1:8080", "/logo.png").xCache()).isEqualTo("MISS");
        assertThat(get("cdn.assets.test", "/logo.png").xCache()).isEqualTo("HIT");
        assertThat(get("ASSETS.TEST.", "/logo.png").xCache()).isEqualTo("HIT"); // any case, trailing dot
        assertThat(f.edge.store().keys()).containsExactly("assets/logo.png");
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aPurgeOfTheUrlTheClientFetchedRemovesTheEntryWhicheverHostItNames() throws Exception {
        for (String host : HOSTS) {
            f.enqueue(f.ok("v", "max-age=600"));
            assertThat(get(EdgeFixture.HOST, "/page").xCache()).isEqualTo("MISS");
            Answer purge = admin("POST", "/_edge/purge", "{\"urls\":[\"http://" + host + ":8080/page\"]}");
            assertThat(purge.body()).as(host).isEqualTo("{\"unknownHosts\":[],\"removed\":1,\"markedStale\":0}");
        }
        Answer byHost = admin("POST", "/_edge/purge", "{\"hosts\":[\"cdn.assets.test\"]}");
        assertThat(byHost.body()).contains("\"unknownHosts\":[]");
    }

    @Test
    void purgeAndPushAnswersNameHostsNoServiceServesHere() throws Exception {
        Answer purge = admin("POST", "/_edge/purge", "{\"urls\":[\"http://127.0.3.9:8080/page\"],"
                + "\"prefixes\":[\"http://elsewhere.test/img/\"],\"hosts\":[\"assets.test\"]}");
        assertThat(purge.code()).isEqualTo(200);
        assertThat(purge.body()).startsWith("{\"unknownHosts\":[\"127.0.3.9\",\"elsewhere.test\"]");

        Answer push = admin("POST", "/_edge/prefetch", "{\"urls\":[\"http://elsewhere.test/a.css\"]}");
        assertThat(push.code()).isEqualTo(200);
        assertThat(push.body()).startsWith("{\"unknownHosts\":[\"elsewhere.test\"]");
        assertThat(f.origin.getRequestCount()).isZero();
    }

    @Test
    void aPushWithAnyHostNameOfTheServiceStoresTheOneEntryClientsGet() throws Exception {
        f.enqueue(f.ok("pushed", "max-age=600"));
        Answer push = admin("POST", "/_edge/prefetch", "{\"urls\":[\"http://cdn.assets.test/p.css\"]}");
        assertThat(push.body()).contains("\"stored\":1");
        Answer hit = get(EdgeFixture.HOST, "/p.css");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.body()).isEqualTo("pushed");

        Request put = new Request.Builder().url(f.admin() + "/_edge/objects?url=http://127.0.2.1/put.txt")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN).header("Cache-Control", "max-age=60")
                .put(RequestBody.create("put body", MediaType.get("text/plain"))).build();
        try (Response r = f.client.newCall(put).execute()) {
            assertThat(r.code()).isEqualTo(201);
        }
        assertThat(get("cdn.assets.test", "/put.txt").body()).isEqualTo("put body");
        assertThat(f.edge.store().keys()).containsExactlyInAnyOrder("assets/p.css", "assets/put.txt");
    }
}
