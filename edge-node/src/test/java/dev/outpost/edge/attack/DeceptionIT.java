package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * Web cache deception: a victim is lured to {@code /account/<something that looks static>}; the origin, lenient
 * the way real frameworks are (case-insensitive, decodes escapes, ignores {@code ;params}, suffixes and trailing
 * dots), answers with the private account page. Whatever the path confusion, that answer is never stored, and an
 * attacker requesting the same bytes afterwards gets a fresh origin answer, never the victim's.
 */
class DeceptionIT {
    /** Request targets sent byte for byte; every one names the account page to a lenient origin. */
    static final List<String> VARIANTS = List.of(
            "/account/x.css", "/account/x.js", "/account/x.png", "/account/x.jpg", "/account/x.ico",
            "/account/x.woff2", "/account/x.svg", "/account/x.avif", "/account/x.txt", "/account/robots.txt",
            "/account/favicon.ico", "/account/.css", "/account.css", "/account/x.min.css", "/account/x.css.map",
            "/account/profile.json.css", "/account/x.css?v=1", "/account/x.css?.css", "/account/x.css?",
            "/account/x.css?utm_source=a", "/account/x.CSS", "/ACCOUNT/x.css", "/Account/X.Css",
            "/account;x.css", "/account;.css", "/account/;x.css", "/account;jsessionid=1.css", "/account/x.css;",
            "/account/x.css;.js", "/account%3bx.css", "/account%3Bx.css", "/account%3fx.css", "/account%3Fx.css",
            "/account/x.css%3f", "/account%23x.css", "/account%23.css", "/account/x.css%23", "/account%2fx.css",
            "/account%2Fx.css", "/account%252fx.css", "/account%00.css", "/account%00/x.css", "/account/x.css%00",
            "/account%0a.css", "/account%0d%0ax.css", "/account%20.css", "/account%09.css", "/account%5cx.css",
            "/account./x.css", "/account../x.css", "/account.../x.css", "/account/x.css.", "/account/x.css..",
            "/account/x.css%2e", "/account/x.%63ss", "/account/x%2ecss", "/account/./x.css",
            "/account/../account/x.css", "/static/../account/x.css", "/static/..%2faccount/x.css",
            "/static/%2e%2e/account/x.css", "/static/%2e%2e%2faccount/x.css", "/account/%2e%2e/account/x.css",
            "//account/x.css", "/account//x.css", "/./account/x.css", "/account/x.css/", "/account/x.css/..",
            "/%61ccount/x.css", "/acc%6funt/x.css", "/%2561ccount/x.css", "/account/x.css#frag",
            "/account\\x.css", "/account/x.css%20", "/account/x.css%09");

    @Test
    void noPathConfusionStoresAPrivateAnswer() throws Exception {
        assertThat(VARIANTS).hasSizeGreaterThanOrEqualTo(60);
        try (EdgeFixture f = new EdgeFixture()) {
            LenientOrigin origin = new LenientOrigin();
            f.origin.setDispatcher(origin);
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < VARIANTS.size(); i++) {
                String target = VARIANTS.get(i);
                int before = f.origin.getRequestCount();
                Reply victim = get(f, target, "Cookie: session=victim\r\n");
                Reply attacker = get(f, target, "");
                int reached = f.origin.getRequestCount() - before;
                String secret = victim.secret();
                if (secret != null && attacker.text().contains(secret)) {
                    failures.add(target + ": the attacker got the victim's page");
                }
                if (attacker.xCache().matches("HIT|STALE|COLLAPSED|REVALIDATED")) {
                    failures.add(target + ": the attacker was answered from the store (" + attacker.xCache() + ")");
                }
                boolean bothRefused = reached == 0 && victim.status() >= 400 && victim.status() < 500
                        && attacker.status() >= 400 && attacker.status() < 500;
                if (reached != 2 && !bothRefused) {
                    failures.add(target + ": origin saw " + reached + " requests, statuses " + victim.status()
                            + "/" + attacker.status());
                }
            }
            assertThat(failures).isEmpty();
            assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("account-secret");
            assertThat(origin.privateAnswers.get()).isGreaterThanOrEqualTo(VARIANTS.size());
        }
    }

    @Test
    void aPublicStaticFileNextToTheAccountPageIsStillCached() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new LenientOrigin());
            assertThat(get(f, "/static/app.css", "").xCache()).isEqualTo("MISS");
            assertThat(get(f, "/static/app.css", "").xCache()).isEqualTo("HIT");
            assertThat(StoreAudit.dump(f.edge.store())).contains("public-stylesheet");
        }
    }

    private static Reply get(EdgeFixture f, String target, String extraHeaders) throws Exception {
        RawHttp.Reply r = RawHttp.exchange(f.edge.port(), "GET " + target + " HTTP/1.1\r\nHost: " + EdgeFixture.HOST
                + "\r\n" + extraHeaders + "Connection: close\r\n\r\n", Duration.ofSeconds(5));
        return new Reply(r.text());
    }

    /** A raw response's facts. */
    record Reply(String text) {
        int status() {
            return text.length() > 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
        }

        String xCache() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^X-Cache: *(\\S+)").matcher(text);
            return m.find() ? m.group(1) : "";
        }

        String secret() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("account-secret-\\d+").matcher(text);
            return m.find() ? m.group() : null;
        }
    }

    /**
     * An origin that finds the account page however the path is dressed up, and answers it privately in one of
     * the three ways a cache must respect: {@code private}, {@code no-store}, or a {@code Set-Cookie}.
     */
    static final class LenientOrigin extends Dispatcher {
        final AtomicInteger privateAnswers = new AtomicInteger();
        private final AtomicInteger counter = new AtomicInteger();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getTarget();
            for (int i = 0; i < 3; i++) {
                path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.ISO_8859_1);
            }
            if (path.toLowerCase(Locale.ROOT).contains("account")) {
                int n = counter.incrementAndGet();
                MockResponse.Builder b = new MockResponse.Builder().code(200).setHeader("Content-Type", "text/css")
                        .body("account-secret-" + n + " for " + request.getHeaders().get("Cookie"));
                switch (privateAnswers.getAndIncrement() % 3) {
                    case 0 -> b.setHeader("Cache-Control", "private, max-age=300");
                    case 1 -> b.setHeader("Cache-Control", "no-store");
                    default -> b.setHeader("Cache-Control", "max-age=300").setHeader("Set-Cookie", "session=s" + n);
                }
                return b.build();
            }
            return new MockResponse.Builder().code(200).setHeader("Content-Type", "text/css")
                    .setHeader("Cache-Control", "public, max-age=300").body("public-stylesheet").build();
        }
    }
}
