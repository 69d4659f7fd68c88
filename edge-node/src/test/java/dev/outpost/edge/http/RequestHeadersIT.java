package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The client's request headers reach the origin on fetches for the cache, against origins that behave like real
 * ones: CORS that varies on {@code Origin}, a device-specific page that varies on a custom header, an API that reads
 * a key header, a site that answers logged-in users differently.
 */
class RequestHeadersIT {
    /** A font server's CORS: it echoes an allowed Origin and says it varies on it. */
    private static final class CorsOrigin extends Dispatcher {
        private static final Set<String> ALLOWED = Set.of("https://a.example", "https://b.example");

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            MockResponse.Builder b = new MockResponse.Builder().code(200).body("font-bytes")
                    .setHeader("Cache-Control", "public, max-age=300").setHeader("Vary", "Origin");
            String origin = request.getHeaders().get("Origin");
            if (origin != null && ALLOWED.contains(origin)) {
                b.setHeader("Access-Control-Allow-Origin", origin);
            }
            return b.build();
        }
    }

    @Test
    void anOriginThatVariesOnOriginGetsEachClientsOriginAndEachGetsItsOwnCorsAnswer() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new CorsOrigin());
            Answer a = f.fetch("/font.woff2", "Origin", "https://a.example");
            assertThat(a.xCache()).isEqualTo("MISS");
            assertThat(a.header("Access-Control-Allow-Origin")).isEqualTo("https://a.example");
            assertThat(f.takeOriginRequest().getHeaders().get("Origin")).isEqualTo("https://a.example");

            Answer b = f.fetch("/font.woff2", "Origin", "https://b.example");
            assertThat(b.xCache()).isEqualTo("MISS");
            assertThat(b.header("Access-Control-Allow-Origin")).isEqualTo("https://b.example");

            Answer none = f.fetch("/font.woff2");
            assertThat(none.xCache()).isEqualTo("MISS");
            assertThat(none.header("Access-Control-Allow-Origin")).isNull();

            assertThat(f.fetch("/font.woff2", "Origin", "https://a.example").header("Access-Control-Allow-Origin"))
                    .isEqualTo("https://a.example");
            assertThat(f.fetch("/font.woff2", "Origin", "https://b.example").xCache()).isEqualTo("HIT");
            assertThat(f.origin.getRequestCount()).isEqualTo(3);
        }
    }

    @Test
    void anOriginThatVariesOnACustomHeaderServesEachDeviceItsOwnPage() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    String device = request.getHeaders().get("X-Device");
                    return new MockResponse.Builder().code(200).body("page for " + device)
                            .setHeader("Cache-Control", "max-age=300").setHeader("Vary", "X-Device").build();
                }
            });
            assertThat(f.fetch("/home", "X-Device", "mobile").body()).isEqualTo("page for mobile");
            assertThat(f.fetch("/home", "X-Device", "desktop").body()).isEqualTo("page for desktop");
            Answer mobileAgain = f.fetch("/home", "X-Device", "mobile");
            assertThat(mobileAgain.xCache()).isEqualTo("HIT");
            assertThat(mobileAgain.body()).isEqualTo("page for mobile");
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void anOriginThatReadsACustomHeaderGetsItOnTheFirstFetch() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    if (!"k-123".equals(request.getHeaders().get("X-Api-Key"))) {
                        return new MockResponse.Builder().code(403).body("no key").build();
                    }
                    return new MockResponse.Builder().code(200).body("data, "
                            + request.getHeaders().get("Accept-Language") + ", "
                            + request.getHeaders().get("User-Agent"))
                            .setHeader("Cache-Control", "max-age=60").build();
                }
            });
            Answer a = f.fetch("/api/data", "X-Api-Key", "k-123", "Accept-Language", "de-CH",
                    "User-Agent", "shop-app/2.1", "X-Requested-With", "XMLHttpRequest");
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("data, de-CH, shop-app/2.1");
            RecordedRequest seen = f.takeOriginRequest();
            assertThat(seen.getHeaders().get("X-Requested-With")).isEqualTo("XMLHttpRequest");
        }
    }

    /** A site that greets a logged-in user by the session cookie, privately, and everyone else publicly. */
    private static final class LoginSite extends Dispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String cookie = request.getHeaders().get("Cookie");
            if (cookie != null && cookie.startsWith("session=")) {
                return new MockResponse.Builder().code(200).body("hello " + cookie.substring(8))
                        .setHeader("Cache-Control", "max-age=60").build(); // not marked shareable
            }
            return new MockResponse.Builder().code(200).body("hello guest")
                    .setHeader("Cache-Control", "max-age=60").build();
        }
    }

    @Test
    void aLoggedInUserIsNeverServedTheLoggedOutPageNorTheOtherWayRound() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new LoginSite());
            // cold cache, logged in first: the cookie reaches the origin, and the answer is not shared
            Answer alice = f.fetch("/", "Cookie", "session=alice");
            assertThat(alice.body()).isEqualTo("hello alice");
            assertThat(alice.header("Cache-Status")).contains("detail=credentials");
            Answer guest = f.fetch("/");
            assertThat(guest.xCache()).isEqualTo("MISS");
            assertThat(guest.body()).isEqualTo("hello guest");
            assertThat(f.fetch("/").xCache()).isEqualTo("HIT");
            // warm cache: the stored guest page never answers a logged-in user
            Answer bob = f.fetch("/", "Cookie", "session=bob");
            assertThat(bob.body()).isEqualTo("hello bob");
            assertThat(bob.xCache()).isEqualTo("BYPASS");
            assertThat(f.fetch("/").body()).isEqualTo("hello guest");
            assertThat(f.origin.getRequestCount()).isEqualTo(3);
        }
    }

    @Test
    void anAnswerMarkedPublicIsStoredForAndServedToRequestsWithCredentials() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("logo", "public, max-age=60"));
            assertThat(f.fetch("/logo.png", "Cookie", "session=alice").header("Cache-Status")).endsWith("stored");
            assertThat(f.fetch("/logo.png", "Cookie", "session=bob").xCache()).isEqualTo("HIT");
            assertThat(f.fetch("/logo.png").xCache()).isEqualTo("HIT");
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void aServiceThatSharesCredentialedAnswersStoresThemByTheOrdinaryRules() throws Exception {
        UnaryOperator<EdgeConfig> share = c -> withService(c, c.services().get(0).withShareCredentialed(true));
        try (EdgeFixture f = new EdgeFixture(share)) {
            f.origin.setDispatcher(new LoginSite());
            assertThat(f.fetch("/static.css", "Cookie", "_ga=GA1.2.3").header("Cache-Status")).endsWith("stored");
            assertThat(f.takeOriginRequest().getHeaders().get("Cookie")).isEqualTo("_ga=GA1.2.3");
            assertThat(f.fetch("/static.css").xCache()).isEqualTo("HIT");
            assertThat(f.fetch("/static.css", "Cookie", "_ga=other").xCache()).isEqualTo("HIT");
        }
    }

    static EdgeConfig withService(EdgeConfig c, DeliveryService service) {
        return c.withServices(List.of(service));
    }
}
