package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.common.service.SigningConfig;
import dev.outpost.common.service.SigningKey;
import dev.outpost.edge.signing.UrlSignatures;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Signed URLs over real sockets: checked before the cache, token kept out of the cache key and the origin request. */
class SignedUrlIT {
    private static final String SECRET = "it-secret-it-secret-it-secret-01";
    private static final UrlSignatures SIGNER = new UrlSignatures(List.of(SigningKey.of(SECRET)),
            UrlSignatures.DEFAULT_MAX_LIFETIME);

    private static EdgeFixture signedEdge(boolean required) throws Exception {
        return signedEdge(required, null);
    }

    private static EdgeFixture signedEdge(boolean required, Duration maxLifetime) throws Exception {
        return new EdgeFixture(c -> c.withServices(List.of(c.services().get(0).withSigning(
                new SigningConfig(required, List.of(SigningKey.of(SECRET)), maxLifetime)))));
    }

    private static String signed(EdgeFixture f, String path, Duration ttl) {
        return path + "?" + SIGNER.sign(EdgeFixture.HOST, path, f.clock.instant().plus(ttl), Optional.empty(),
                Optional.empty(), f.clock.instant());
    }

    @Test
    void unsignedRequestIsRefusedWithoutAnOriginFetch() throws Exception {
        try (EdgeFixture f = signedEdge(true)) {
            Answer a = f.fetch("/video/a.mp4");

            assertThat(a.code()).isEqualTo(403);
            assertThat(a.body()).contains("\"error\":\"missing\"");
            assertThat(a.header("Cache-Control")).isEqualTo("no-store");
            assertThat(f.origin.getRequestCount()).isZero();
        }
    }

    @Test
    void signedRequestIsServedAndCachedUnderTheUrlWithoutItsToken() throws Exception {
        try (EdgeFixture f = signedEdge(true)) {
            f.enqueue(f.ok("movie", "max-age=600"));

            Answer miss = f.fetch(signed(f, "/video/a.mp4", Duration.ofHours(1)) + "&quality=hd");
            assertThat(miss.code()).isEqualTo(200);
            assertThat(miss.xCache()).isEqualTo("MISS");
            assertThat(f.takeOriginRequest().getTarget()).as("token never reaches the origin")
                    .isEqualTo("/video/a.mp4?quality=hd");

            f.clock.advance(Duration.ofSeconds(30));
            Answer other = f.fetch(signed(f, "/video/a.mp4", Duration.ofMinutes(5)) + "&quality=hd");
            assertThat(other.xCache()).as("another token for the same URL shares the entry").isEqualTo("HIT");
            assertThat(other.body()).isEqualTo("movie");
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void tamperedExpiredAndMisusedTokensAreRefusedWithTheirReason() throws Exception {
        try (EdgeFixture f = signedEdge(true)) {
            f.enqueue(f.ok("movie", "max-age=600"));
            String good = signed(f, "/video/a.mp4", Duration.ofMinutes(5));
            assertThat(f.fetch(good).code()).isEqualTo(200);

            assertRefused(f, good.replace("/video/a.mp4", "/video/b.mp4"), "bad_signature");
            assertRefused(f, good.replaceFirst("exp=(\\d+)", "exp=9$1"), "bad_signature");

            String prefixToken = "/public/x?" + SIGNER.sign(EdgeFixture.HOST, "/public/x", f.clock.instant().plusSeconds(300),
                    Optional.of("/public/"), Optional.empty(), f.clock.instant());
            assertRefused(f, prefixToken.replace("/public/x", "/private/x"), "wrong_path");

            String otherClient = "/video/a.mp4?" + SIGNER.sign(EdgeFixture.HOST, "/video/a.mp4", f.clock.instant().plusSeconds(300),
                    Optional.empty(), Optional.of("127.0.0.2"), f.clock.instant());
            assertRefused(f, otherClient, "wrong_address");

            f.clock.advance(Duration.ofMinutes(5));
            assertRefused(f, good, "expired");
            assertThat(f.origin.getRequestCount()).as("refusals never fetch").isEqualTo(1);
        }
    }

    @Test
    void dotSegmentsCannotLeaveTheSignedPrefix() throws Exception {
        try (EdgeFixture f = signedEdge(true)) {
            String token = SIGNER.sign(EdgeFixture.HOST, "/public/", f.clock.instant().plusSeconds(300),
                    Optional.of("/public/"), Optional.empty(), f.clock.instant());

            // Raw socket: HTTP clients would resolve the dot segments before sending. The edge leaves %2F, ';' and
            // '\\' alone, but origins that decode them or read path parameters would climb out of /public/.
            for (String escape : new String[] {"/public/%2e%2e/private/x", "/public/..%2Fprivate/x",
                    "/public/..;/private/x", "/public/..%3B/private/x", "/public/..%5Cprivate/x",
                    "/public/%2E%2E%2fprivate/x", "/public/%252e%252e/private/x"}) {
                String head = rawGet(f, escape + "?" + token);
                assertThat(head).as(escape).startsWith("HTTP/1.1 403").contains("wrong_path");
            }
            assertThat(f.origin.takeRequest(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void aTokenMadeForAnotherHostIsRefused() throws Exception {
        try (EdgeFixture f = signedEdge(true)) {
            String forOther = "/video/a.mp4?" + SIGNER.sign("other-service.test", "/video/a.mp4",
                    f.clock.instant().plusSeconds(300), Optional.empty(), Optional.empty(), f.clock.instant());
            assertRefused(f, forOther, "bad_signature");
            assertThat(f.origin.getRequestCount()).isZero();
        }
    }

    @Test
    void aTokenLivingLongerThanTheServicesMaximumIsRefused() throws Exception {
        try (EdgeFixture f = signedEdge(true, Duration.ofHours(1))) {
            UrlSignatures lenient = new UrlSignatures(List.of(SigningKey.of(SECRET)), Duration.ofDays(20_000_000));
            String twoHours = "/video/a.mp4?" + lenient.sign(EdgeFixture.HOST, "/video/a.mp4",
                    f.clock.instant().plus(Duration.ofHours(2)), Optional.empty(), Optional.empty(),
                    f.clock.instant());
            assertRefused(f, twoHours, "lifetime_too_long");
            String forever = "/video/a.mp4?" + lenient.sign(EdgeFixture.HOST, "/video/a.mp4",
                    java.time.Instant.ofEpochSecond(999_999_999_999L), Optional.empty(), Optional.empty(),
                    f.clock.instant());
            assertRefused(f, forever, "lifetime_too_long");
            assertThat(f.origin.getRequestCount()).isZero();
        }
    }

    @Test
    void optionalSigningServesUnsignedRequestsButStillChecksTokensThatArePresent() throws Exception {
        try (EdgeFixture f = signedEdge(false)) {
            f.enqueue(f.ok("free", "max-age=600"));
            assertThat(f.fetch("/free").code()).isEqualTo(200);

            assertRefused(f, "/free?exp=99999999999&sig=AAAA", "bad_signature");
        }
    }

    private static void assertRefused(EdgeFixture f, String pathAndQuery, String reason) throws Exception {
        Answer a = f.fetch(pathAndQuery);
        assertThat(a.code()).as(pathAndQuery).isEqualTo(403);
        assertThat(a.body()).as(pathAndQuery).contains("\"error\":\"" + reason + "\"");
    }

    private static String rawGet(EdgeFixture f, String target) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", f.edge.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
