package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.common.service.RequestHeaderRules;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cache poisoning through request headers, against an origin that reflects every request header into its
 * cacheable answer. The edge is a transparent cache: end-to-end headers reach the origin, and the defence is that
 * (1) the headers that make an origin answer for another host, path, scheme or method, the forwarding headers, the
 * client-address claims and their underscore spellings never reach it, and (2) whatever the origin says it varies
 * on is keyed, so one client's value never answers another. For an origin that reads headers without saying
 * {@code Vary}, {@code requestHeaders.forward: listed} keeps every unlisted header away from it: the first test
 * runs the whole list against such an origin.
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
            "X-Amz-Website-Redirect-Location", "Front-End-Https", "X-Url-Scheme", "Max-Forwards",
            "X_Forwarded_Host", "X_Original_URL", "X_Real_IP", "Transfer_Encoding", "Content_Length");

    /** The headers of {@link #UNKEYED} a transparent cache forwards; every other one is withheld. */
    static final List<String> END_TO_END = List.of("Destination", "Cookie", "Referer", "Origin", "User-Agent",
            "X-Requested-With", "X-Api-Version", "X-Debug", "X-Wap-Profile", "Cache-Control", "Pragma",
            "Content-Type", "X-Amz-Website-Redirect-Location", "Max-Forwards");

    /** Headers the edge rewrites or drops on every origin request, pass-through ones included. */
    static final List<String> NEVER_FORWARDED = List.of(
            "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port", "X-Forwarded-Scheme",
            "X-Forwarded-Prefix", "X-Forwarded-Path", "X-Forwarded-Uri", "X-Forwarded-Ssl", "Forwarded",
            "X-Original-URL", "X-Original-Host", "X-Rewrite-URL", "X-HTTP-Method-Override", "X-HTTP-Method",
            "X-Method-Override", "X-Host", "X-HTTP-Host-Override", "Front-End-Https", "X-Url-Scheme",
            "X-Real-IP", "True-Client-IP", "X_Forwarded_Host", "X_Original_URL", "Transfer_Encoding",
            "Content_Length");

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
    void underListedForwardingNoUnkeyedHeaderReachesTheOriginOrTheStoreOrALaterClient() throws Exception {
        f.close();
        f = new EdgeFixture(c -> withService(c, c.services().get(0)
                .withRequestHeaders(new RequestHeaderRules("listed", null, null))));
        f.origin.setDispatcher(ReflectingOrigin.cacheable());
        assertThat(UNKEYED).hasSizeGreaterThanOrEqualTo(30);
        assertThat(poisonEach(UNKEYED, List.of())).isEmpty();
        assertThat(f.origin.getRequestCount()).isEqualTo(UNKEYED.size());
    }

    @Test
    void withheldHeadersNeverReachTheOriginOrTheStoreOrALaterClient() throws Exception {
        List<String> withheld = UNKEYED.stream().filter(h -> !END_TO_END.contains(h)).toList();
        assertThat(withheld).hasSizeGreaterThanOrEqualTo(30);
        assertThat(poisonEach(withheld, List.of())).isEmpty();
        assertThat(f.origin.getRequestCount()).isEqualTo(withheld.size());
    }

    @Test
    void forwardedHeadersReachTheOriginAndAreKeyedWhenItVariesOnThem() throws Exception {
        f.origin.setDispatcher(new ReflectingOrigin(path -> new MockResponse.Builder().code(200)
                .setHeader("Cache-Control", "public, max-age=300")
                .setHeader("Vary", END_TO_END.get(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1))))));
        assertThat(poisonEach(END_TO_END, END_TO_END)).isEmpty();
        // each attacker's own fetch, and each victim's (its variant has no canary): none answered another
        assertThat(f.origin.getRequestCount()).isEqualTo(2 * END_TO_END.size());
    }

    /**
     * Sends each header with a canary on its own URL, then a victim request without it twice; returns the leaks.
     * {@code forwarded} headers must reach the origin (the origin varies on them), every other one must not.
     */
    private List<String> poisonEach(List<String> headers, List<String> forwarded) throws Exception {
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
            String header = headers.get(i);
            String path = "/poison/" + i;
            String canary = canary(header);
            Answer attacker = f.fetch(path, header, canary);
            assertThat(attacker.code()).as(header).isEqualTo(200);
            RecordedRequest seen = f.takeOriginRequest();
            boolean reached = seen.getHeaders().toMultimap().toString().contains(canary)
                    || seen.getTarget().contains(canary);
            if (reached != forwarded.contains(header)) {
                leaks.add(header + (reached ? " reached the origin" : " was not forwarded"));
            }
            Answer victim = f.fetch(path);
            if (forwarded.contains(header)) {
                assertThat(victim.xCache()).as(header).isEqualTo("MISS"); // its own variant
                f.takeOriginRequest();
                victim = f.fetch(path);
            }
            assertThat(victim.xCache()).as(header).isEqualTo("HIT");
            if (victim.body().contains(canary) || victim.headers().toMultimap().toString().contains(canary)) {
                leaks.add(header + " reached a later client");
            }
        }
        if (forwarded.isEmpty()) {
            assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("canary-");
        }
        return leaks;
    }

    @Test
    void withheldHeadersAllAtOnceCannotPoisonAnAnswerToACredentialedRequestThatIsStored() throws Exception {
        List<String> withheld = UNKEYED.stream().filter(h -> !END_TO_END.contains(h)).toList();
        String[] headers = withCanaries(withheld, "Authorization", "Bearer attacker");
        Answer attacker = f.fetch("/poison/authorized", headers);
        assertThat(attacker.code()).isEqualTo(200);
        RecordedRequest seen = f.takeOriginRequest();
        assertThat(seen.getHeaders().get("Authorization")).isEqualTo("Bearer attacker");
        assertThat(seen.getHeaders().toMultimap().toString()).doesNotContain("canary-");
        Answer victim = f.fetch("/poison/authorized");
        assertThat(victim.xCache()).isEqualTo("HIT"); // the public answer was stored ...
        assertThat(victim.body() + victim.headers().toMultimap()).doesNotContain("canary-"); // ... unpoisoned
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

    private static EdgeConfig withService(EdgeConfig c, DeliveryService service) {
        return c.withServices(List.of(service));
    }

    private static String[] withCanaries(String... extra) {
        return withCanaries(UNKEYED, extra);
    }

    private static String[] withCanaries(List<String> names, String... extra) {
        List<String> pairs = new ArrayList<>(List.of(extra));
        for (String header : names) {
            if (!header.equals("Content-Type")) {
                pairs.add(header);
                pairs.add(canary(header));
            }
        }
        return pairs.toArray(String[]::new);
    }
}
