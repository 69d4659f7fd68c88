package dev.outpost.edge;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An edge node in front of a real fake origin (MockWebServer), both on 127.0.0.1 with kernel-chosen ports, a
 * manual clock, and a client that talks to the edge with the service's Host header.
 */
public final class EdgeFixture implements AutoCloseable {
    public static final String HOST = "assets.test";
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    /** The delivery service's name: the first part of its cache keys. */
    public static final String SERVICE = "assets";

    public final MockWebServer origin = new MockWebServer();
    public final ManualClock clock = new ManualClock();
    public final EdgeNode edge;
    public final OkHttpClient client = new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .callTimeout(Duration.ofSeconds(20))
            .build();

    public EdgeFixture() throws IOException {
        this(UnaryOperator.identity());
    }

    public EdgeFixture(UnaryOperator<EdgeConfig> adjust) throws IOException {
        this(adjust, List.of());
    }

    /**
     * @param adjust        changes to the default test config
     * @param originsBefore origins listed before the MockWebServer (the primary, e.g. a dead one to fail over from)
     */
    public EdgeFixture(UnaryOperator<EdgeConfig> adjust, List<URI> originsBefore) throws IOException {
        origin.start(InetAddress.getByName("127.0.0.1"), 0);
        List<URI> origins = new java.util.ArrayList<>(originsBefore);
        origins.add(URI.create("http://127.0.0.1:" + origin.getPort()));
        DeliveryService service = DeliveryService.of(SERVICE, List.of(HOST), origins);
        EdgeConfig config = EdgeConfig.of("edge-test", "127.0.0.1:0", service)
                .withAdmin(new AdminConfig("127.0.0.1:0", ADMIN_TOKEN));
        edge = EdgeNode.start(adjust.apply(config), clock);
    }

    /** A cacheable origin response dated now on the manual clock. */
    public MockResponse.Builder ok(String body, String cacheControl) {
        return new MockResponse.Builder().code(200).body(body)
                .setHeader("Date", HttpDates.format(clock.instant()))
                .setHeader("Cache-Control", cacheControl);
    }

    public void enqueue(MockResponse.Builder response) {
        origin.enqueue(response.build());
    }

    public Response get(String path, String... headers) throws IOException {
        return call("GET", path, null, headers);
    }

    public Response call(String method, String path, RequestBody body, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url(edge.baseUri() + path).header("Host", HOST)
                .method(method, body);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.newCall(b.build()).execute();
    }

    /** GET and read the body; returns the closed response's facts. */
    public Answer fetch(String path, String... headers) throws IOException {
        try (Response r = get(path, headers)) {
            return new Answer(r.code(), r.body().string(), r.headers());
        }
    }

    /** The cache key of a plain path (no query to normalise) on the test service. */
    public static String key(String path) {
        return SERVICE + path;
    }

    public RecordedRequest takeOriginRequest() throws InterruptedException {
        RecordedRequest r = origin.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the origin got no request");
        }
        return r;
    }

    public URI admin() {
        return edge.adminUri().orElseThrow();
    }

    /** A response read whole. */
    public record Answer(int code, String body, okhttp3.Headers headers) {
        public String header(String name) {
            return headers.get(name);
        }

        public String xCache() {
            return headers.get("X-Cache");
        }
    }

    @Override
    public void close() {
        edge.close();
        origin.close();
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
    }
}
