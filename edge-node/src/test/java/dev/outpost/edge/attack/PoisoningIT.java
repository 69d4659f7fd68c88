package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cache poisoning through unkeyed request headers, against an origin that reflects every request header into its
 * cacheable answer: a canary sent by an attacker must never reach the origin on a fetch whose answer is shared,
 * never be stored, and never appear in what a later client gets.
 */
class PoisoningIT {
    /** Headers that are not part of the cache key; each is sent with a canary value. */
    static final List<String> UNKEYED = List.of(
            "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port", "X-Forwarded-Scheme",
            "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Forwarded-Path", "X-Forwarded-Uri", "X-Forwarded-Ssl",
            "X-Forwarded-For", "Forwarded", "Via", "X-Original-URL", "X-Original-Host", "X-Rewrite-URL",
            "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Host", "X-HTTP-Host-Override",
            "X-Real-IP", "X-Client-IP", "True-Client-IP", "X-Originating-IP", "X-Remote-Addr", "X-Remote-IP",
            "X-Cluster-Client-IP", "Client-IP", "X-ProxyUser-Ip", "X-Backend-Host", "Proxy-Host", "Destination",
            "Cookie", "Referer", "Origin", "User-Agent", "X-Requested-With", "X-Api-Version", "X-Debug",
            "X-Wap-Profile", "Accept-Encoding", "Cache-Control", "Pragma", "If-None-Match", "Content-Type",
            "X-Amz-Website-Redirect-Location", "Front-End-Https", "X-Url-Scheme", "Max-Forwards");

    /** Headers the edge rewrites or drops on every origin request, pass-through ones included. */
    static final List<String> NEVER_FORWARDED = List.of(
            "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port", "X-Forwarded-Scheme",
            "X-Forwarded-Prefix", "X-Forwarded-Path", "X-Forwarded-Uri", "X-Forwarded-Ssl", "Forwarded",
            "X-Original-URL", "X-Original-Host", "X-Rewrite-URL", "X-HTTP-Method-Override", "X-HTTP-Method",
            "X-Method-Override", "X-Host", "X-HTTP-Host-Override", "Front-End-Https", "X-Url-Scheme");

    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
        f.origin.setDispatcher(ReflectingOrigin.cacheable());
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private static String canary(String header) {
        return "canary-" + header.toLowerCase(java.util.Locale.ROOT).replace('-', '_') + "-7f3a";
    }

    @Test
    void noUnkeyedHeaderReachesTheOriginOrTheStoreOrALaterClient() throws Exception {
        assertThat(UNKEYED).hasSizeGreaterThanOrEqualTo(30);
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < UNKEYED.size(); i++) {
            String header = UNKEYED.get(i);
            String path = "/poison/" + i;
            String canary = canary(header);
            Answer attacker = f.fetch(path, header, canary);
            assertThat(attacker.code()).as(header).isEqualTo(200);
            RecordedRequest seen = f.takeOriginRequest();
            if (seen.getHeaders().toString().contains(canary) || seen.getTarget().contains(canary)) {
                leaks.add(header + " reached the origin");
            }
            Answer victim = f.fetch(path);
            assertThat(victim.xCache()).as(header).isEqualTo("HIT");
            if (victim.body().contains(canary) || victim.headers().toString().contains(canary)) {
                leaks.add(header + " reached a later client");
            }
        }
        assertThat(leaks).isEmpty();
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("canary-");
        assertThat(f.origin.getRequestCount()).isEqualTo(UNKEYED.size());
    }

    @Test
    void allUnkeyedHeadersAtOnceCannotPoisonAnAuthorizedFetchThatIsStored() throws Exception {
        String[] headers = withCanaries("Authorization", "Bearer attacker");
        Answer attacker = f.fetch("/poison/authorized", headers);
        assertThat(attacker.code()).isEqualTo(200);
        RecordedRequest seen = f.takeOriginRequest();
        assertThat(seen.getHeaders().get("Authorization")).isEqualTo("Bearer attacker");
        assertThat(seen.getHeaders().toString()).doesNotContain("canary-");
        Answer victim = f.fetch("/poison/authorized");
        assertThat(victim.xCache()).isEqualTo("HIT"); // the public answer was stored ...
        assertThat(victim.body() + victim.headers()).doesNotContain("canary-"); // ... unpoisoned
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("canary-");
    }

    @Test
    void requestOverridingHeadersNeverReachTheOriginOnPassThroughRequests() throws Exception {
        try (var r = f.call("POST", "/poison/post", RequestBody.create("x", MediaType.get("text/plain")),
                withCanaries())) {
            assertThat(r.code()).isEqualTo(200);
        }
        RecordedRequest seen = f.takeOriginRequest();
        assertThat(seen.getMethod()).isEqualTo("POST");
        for (String header : NEVER_FORWARDED) {
            assertThat(seen.getHeaders().get(header)).as(header).isNull();
        }
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("canary-");
    }

    @Test
    void aVaryingHeaderIsKeyedSoOneClientsValueNeverAnswersAnother() throws Exception {
        f.origin.setDispatcher(new ReflectingOrigin(path -> new mockwebserver3.MockResponse.Builder().code(200)
                .setHeader("Cache-Control", "public, max-age=300").setHeader("Vary", "Accept-Language")));
        Answer attacker = f.fetch("/poison/lang", "Accept-Language", "canary-lang");
        assertThat(attacker.body()).contains("canary-lang"); // the attacker's own variant
        Answer victim = f.fetch("/poison/lang", "Accept-Language", "en");
        assertThat(victim.xCache()).isEqualTo("MISS");
        assertThat(victim.body()).doesNotContain("canary-");
        assertThat(f.fetch("/poison/lang", "Accept-Language", "en").xCache()).isEqualTo("HIT");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    private static String[] withCanaries(String... extra) {
        List<String> pairs = new ArrayList<>(List.of(extra));
        for (String header : UNKEYED) {
            if (!header.equals("Content-Type")) {
                pairs.add(header);
                pairs.add(canary(header));
            }
        }
        return pairs.toArray(String[]::new);
    }
}
