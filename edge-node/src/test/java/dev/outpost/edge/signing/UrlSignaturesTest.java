package dev.outpost.edge.signing;

import dev.outpost.common.service.SigningKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.ManualClock;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UrlSignaturesTest {
    private static final String SECRET = "s3cret-s3cret-s3cret-s3cret-0001";
    private static final String NEXT_SECRET = "n3xt-n3xt-n3xt-n3xt-n3xt-n3xt-02";
    private static final String CLIENT = "192.0.2.10";
    private static final String HOST = "video.test";
    private static final Duration MAX = Duration.ofDays(7);

    private final ManualClock clock = new ManualClock();
    private final UrlSignatures signatures = new UrlSignatures(List.of(SigningKey.of(SECRET)), MAX);

    @Test
    void freshlySignedUrlIsValid() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofHours(1), Optional.empty(), Optional.empty());

        assertThat(check(signatures, "/video/a.mp4", token, CLIENT)).isEqualTo(Verdict.VALID);
    }

    @Test
    void urlWithoutTokenIsMissing() {
        assertThat(check(signatures, "/video/a.mp4", "", CLIENT)).isEqualTo(Verdict.MISSING);
        assertThat(check(signatures, "/video/a.mp4", "exp=99999999999", CLIENT)).isEqualTo(Verdict.MISSING);
    }

    @Test
    void expiredUrlIsRefusedAsExpired() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofMinutes(5), Optional.empty(), Optional.empty());
        clock.advance(Duration.ofMinutes(5));

        assertThat(check(signatures, "/video/a.mp4", token, CLIENT)).isEqualTo(Verdict.EXPIRED);
    }

    @Test
    void tamperingWithAnyFieldBreaksTheSignature() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofHours(1), Optional.of("/video/"),
                Optional.of(CLIENT));
        Map<String, List<String>> good = params(token);

        assertThat(check(signatures, "/video/a.mp4", with(good, "exp", later(good)), CLIENT))
                .as("later expiry").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", with(good, "prefix", "/"), CLIENT))
                .as("wider prefix").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", with(good, "ip", "198.51.100.7"), "198.51.100.7"))
                .as("other address").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", without(good, "ip"), CLIENT))
                .as("address binding removed").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", without(good, "prefix"), CLIENT))
                .as("prefix removed: now an exact-path token for another path").isEqualTo(Verdict.BAD_SIGNATURE);
        String sig = good.get("sig").get(0);
        String flipped = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
        assertThat(check(signatures, "/video/a.mp4", with(good, "sig", flipped), CLIENT))
                .as("signature").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", with(good, "sig", "not base64!"), CLIENT))
                .as("garbage signature").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(signatures, "/video/a.mp4", with(good, "exp", "soon"), CLIENT))
                .as("garbage expiry").isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void exactPathTokenDoesNotOpenOtherPaths() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofHours(1), Optional.empty(), Optional.empty());

        assertThat(check(signatures, "/video/b.mp4", token, CLIENT)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void prefixTokenCoversPathsUnderItAndNothingElse() {
        String token = sign(signatures, "/video/", Duration.ofHours(1), Optional.of("/video/"), Optional.empty());

        assertThat(check(signatures, "/video/a.mp4", token, CLIENT)).isEqualTo(Verdict.VALID);
        assertThat(check(signatures, "/video/season-2/b.mp4", token, CLIENT)).isEqualTo(Verdict.VALID);
        assertThat(check(signatures, "/private/c.mp4", token, CLIENT)).isEqualTo(Verdict.WRONG_PATH);
        assertThat(check(signatures, "/videos-other/c.mp4", token, CLIENT)).isEqualTo(Verdict.WRONG_PATH);
    }

    @Test
    void addressBoundTokenReplayedFromElsewhereIsRefused() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofHours(1), Optional.empty(),
                Optional.of("2001:db8::1"));

        assertThat(check(signatures, "/video/a.mp4", token, "2001:db8:0:0:0:0:0:1")).isEqualTo(Verdict.VALID);
        assertThat(check(signatures, "/video/a.mp4", token, "2001:db8::2")).isEqualTo(Verdict.WRONG_ADDRESS);
        assertThat(check(signatures, "/video/a.mp4", token, CLIENT)).isEqualTo(Verdict.WRONG_ADDRESS);
    }

    @Test
    void repeatedTokenParameterIsRefused() {
        String token = sign(signatures, "/a", Duration.ofHours(1), Optional.empty(), Optional.empty());

        assertThat(check(signatures, "/a", token + "&exp=1", CLIENT)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void rotationOverlapAcceptsOldAndNewKeysUntilTheOldOneExpires() {
        String oldToken = sign(signatures, "/a", Duration.ofDays(2), Optional.empty(), Optional.empty());
        Instant oldKeyRetires = clock.instant().plus(Duration.ofDays(1));
        UrlSignatures rotated = new UrlSignatures(List.of(SigningKey.of(NEXT_SECRET),
                new SigningKey(SECRET, Optional.of(oldKeyRetires))), MAX);
        String newToken = sign(rotated, "/a", Duration.ofDays(2), Optional.empty(), Optional.empty());

        assertThat(check(rotated, "/a", oldToken, CLIENT)).as("old key, in overlap").isEqualTo(Verdict.VALID);
        assertThat(check(rotated, "/a", newToken, CLIENT)).as("new key signs").isEqualTo(Verdict.VALID);
        assertThat(check(signatures, "/a", newToken, CLIENT)).as("new token, old-only edge")
                .isEqualTo(Verdict.BAD_SIGNATURE);

        clock.advance(Duration.ofDays(1));

        assertThat(check(rotated, "/a", oldToken, CLIENT)).as("old key retired").isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check(rotated, "/a", newToken, CLIENT)).isEqualTo(Verdict.VALID);
    }

    @Test
    void signingRefusesBadInput() {
        Instant now = clock.instant();
        assertThatThrownBy(() -> signatures.sign(HOST, "/a", now, Optional.empty(), Optional.empty(), now))
                .hasMessageContaining("not after now");
        assertThatThrownBy(() -> signatures.sign(HOST, "/a", now.plusSeconds(60), Optional.of("/b/"), Optional.empty(),
                now)).hasMessageContaining("prefix");
        assertThatThrownBy(() -> signatures.sign(HOST, "/a", now.plusSeconds(60), Optional.empty(),
                Optional.of("example.com"), now)).hasMessageContaining("ip must be");
        assertThatThrownBy(() -> SigningKey.of("short")).hasMessageContaining("at least 32");
        assertThat(SigningKey.of(SECRET).toString()).doesNotContain(SECRET);
        UrlSignatures retired = new UrlSignatures(List.of(new SigningKey(SECRET, Optional.of(now))), MAX);
        assertThatThrownBy(() -> retired.sign(HOST, "/a", now.plusSeconds(60), Optional.empty(), Optional.empty(), now))
                .hasMessageContaining("put the new key first");
    }

    @Test
    void aTokenForOneHostIsRefusedOnAnotherHostSharingTheSecret() {
        String token = sign(signatures, "/video/a.mp4", Duration.ofHours(1), Optional.empty(), Optional.empty());

        assertThat(signatures.verify("other-service.test", "/video/a.mp4", "/video/a.mp4", params(token), CLIENT,
                clock.instant())).isEqualTo(Verdict.BAD_SIGNATURE);
        for (String sameHost : new String[] {"VIDEO.test", "video.test:8443", "video.test."}) {
            assertThat(signatures.verify(sameHost, "/video/a.mp4", "/video/a.mp4", params(token), CLIENT,
                    clock.instant())).as(sameHost).isEqualTo(Verdict.VALID);
        }
        assertThatThrownBy(() -> signatures.sign("", "/a", clock.instant().plusSeconds(60), Optional.empty(),
                Optional.empty(), clock.instant())).hasMessageContaining("host");
    }

    @Test
    void aTokenLivingLongerThanTheMaximumIsRefused() {
        UrlSignatures lenient = new UrlSignatures(List.of(SigningKey.of(SECRET)), Duration.ofDays(20_000_000));
        String farFuture = sign(lenient, "/video/a.mp4", Duration.ofDays(30), Optional.empty(), Optional.empty());
        assertThat(check(signatures, "/video/a.mp4", farFuture, CLIENT)).isEqualTo(Verdict.LIFETIME_TOO_LONG);
        String ages = lenient.sign(HOST, "/video/a.mp4", Instant.ofEpochSecond(999_999_999_999L), Optional.empty(),
                Optional.empty(), clock.instant());
        assertThat(check(signatures, "/video/a.mp4", ages, CLIENT)).isEqualTo(Verdict.LIFETIME_TOO_LONG);
        assertThat(check(signatures, "/video/a.mp4",
                sign(signatures, "/video/a.mp4", MAX, Optional.empty(), Optional.empty()), CLIENT))
                .as("exactly the maximum").isEqualTo(Verdict.VALID);
        assertThatThrownBy(() -> sign(signatures, "/a", MAX.plusSeconds(1), Optional.empty(), Optional.empty()))
                .hasMessageContaining("maxLifetime");
    }

    @Test
    void aPrefixTokenRefusesDotSegmentsInAnyEncoding() {
        String token = sign(signatures, "/video/", Duration.ofHours(1), Optional.of("/video/"), Optional.empty());
        for (String raw : new String[] {"/video/..%2Fprivate/a", "/video/..%2fprivate/a", "/video/..;/private/a",
                "/video/..%3B/private/a", "/video/..%3b/private/a", "/video/..%5Cprivate/a", "/video/..\\private/a",
                "/video/%2e%2e/private/a", "/video/%2E%2E%2Fprivate/a", "/video/.%2e/private/a",
                "/video/%252e%252e%252fprivate/a", "/video/x/..;jsessionid=1/a", "/video/./a"}) {
            assertThat(signatures.verify(HOST, raw, raw, params(token), CLIENT, clock.instant())).as(raw)
                    .isEqualTo(Verdict.WRONG_PATH);
        }
        for (String fine : new String[] {"/video/a..b.mp4", "/video/...", "/video/.hidden", "/video/100%25.mp4",
                "/video/a;v=2.mp4"}) {
            assertThat(signatures.verify(HOST, fine, fine, params(token), CLIENT, clock.instant())).as(fine)
                    .isEqualTo(Verdict.VALID);
        }
    }

    private String sign(UrlSignatures s, String path, Duration ttl, Optional<String> prefix, Optional<String> ip) {
        return s.sign(HOST, path, clock.instant().plus(ttl), prefix, ip, clock.instant());
    }

    private Verdict check(UrlSignatures s, String path, String query, String client) {
        return s.verify(HOST, path, path, params(query), client, clock.instant());
    }

    private Verdict check(UrlSignatures s, String path, Map<String, List<String>> query, String client) {
        return s.verify(HOST, path, path, query, client, clock.instant());
    }

    /** Decoded query parameters, as Undertow hands them over. */
    private static Map<String, List<String>> params(String query) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            out.computeIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    k -> new ArrayList<>()).add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Map<String, List<String>> with(Map<String, List<String>> query, String name, String value) {
        Map<String, List<String>> out = new LinkedHashMap<>(query);
        out.put(name, List.of(value));
        return out;
    }

    private static Map<String, List<String>> without(Map<String, List<String>> query, String name) {
        Map<String, List<String>> out = new LinkedHashMap<>(query);
        out.remove(name);
        return out;
    }

    private static String later(Map<String, List<String>> query) {
        return Long.toString(Long.parseLong(query.get("exp").get(0)) + 3600);
    }
}
