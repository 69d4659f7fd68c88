package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.ADMIN;
import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.PURGE_ALL;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What keeps the purge API from doing harm: purge-all needs a confirmation and its own scope, a retried request
 * with its Idempotency-Key logs nothing twice, entries and listings have byte caps, and origin change notices are
 * rate limited like purges.
 */
class PurgeSafetyIT {
    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    private ControlPlaneFixture start(String extraYaml) {
        cp = new ControlPlaneFixture(data, extraYaml);
        return cp;
    }

    @AfterEach
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    private HttpReply post(String path, String token, String json, String idempotencyKey) {
        Request.Builder request = new Request.Builder().url(cp.plane().apiUri() + path)
                .post(RequestBody.create(json.getBytes(UTF_8), MediaType.get("application/json")));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return cp.call(request, token, cp.http());
    }

    @Test
    void emptyingEverythingAHostOrAHostsRootNeedsConfirmationAndTheScopePurgeAll() {
        start("");
        for (String body : new String[] {"{\"all\":true}", "{\"hosts\":[\"www.example.com\"]}",
                "{\"prefixes\":[\"http://www.example.com/\"]}", "{\"prefixes\":[\"http://www.example.com\"]}"}) {
            HttpReply unconfirmed = cp.post("/api/v1/purges", PURGE_ALL, body);
            assertThat(unconfirmed.status()).as(body).isEqualTo(400);
            assertThat(unconfirmed.error()).isEqualTo("confirmation_required");
            assertThat(unconfirmed.message()).contains("confirmPurgeAll");

            String confirmed = body.replace("}", ",\"confirmPurgeAll\":true}");
            HttpReply withoutScope = cp.post("/api/v1/purges", OPS, confirmed);
            assertThat(withoutScope.status()).as(confirmed).isEqualTo(403);
            assertThat(withoutScope.message()).contains("purge:all");

            assertThat(cp.post("/api/v1/purges", PURGE_ALL, confirmed).status()).as(confirmed).isEqualTo(202);
            assertThat(cp.post("/api/v1/purges", ADMIN, confirmed).status()).as("admin implies every scope")
                    .isEqualTo(202);
        }
        assertThat(cp.post("/api/v1/purges", OPS, "{\"prefixes\":[\"http://www.example.com/img/\"]}").status())
                .as("a prefix below the root is an ordinary purge").isEqualTo(202);
        assertThat(cp.post("/api/v1/purges", PURGE_ALL, "{\"urls\":[\"http://www.example.com/a\"]}").status())
                .as("purge:all implies purge").isEqualTo(202);
    }

    @Test
    void aRetriedPurgeWithTheSameIdempotencyKeyGetsTheFirstAnswerAndLogsNothingNew() {
        start("");
        String body = "{\"urls\":[\"http://www.example.com/a.js\"]}";
        HttpReply first = post("/api/v1/purges", OPS, body, "retry-me-1");
        HttpReply retried = post("/api/v1/purges", OPS, body, "retry-me-1");
        assertThat(first.status()).isEqualTo(202);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(cp.plane().log().lastSequence()).isEqualTo(1);

        HttpReply other = post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/b.js\"]}", "retry-me-1");
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.error()).isEqualTo("idempotency_key_reused");
        assertThat(post("/api/v1/pushes", OPS, "{\"urls\":[\"http://www.example.com/a.js\"]}", "retry-me-1")
                .status()).as("another endpoint is another request").isEqualTo(422);
        assertThat(post("/api/v1/purges", OPS, body, "  ").status()).isEqualTo(400);
        assertThat(post("/api/v1/purges", OPS, body, "x".repeat(256)).error()).isEqualTo("bad_idempotency_key");

        HttpReply push = post("/api/v1/pushes", OPS, "{\"urls\":[\"http://www.example.com/a.js\"]}", "push-1");
        HttpReply pushAgain = post("/api/v1/pushes", OPS, "{\"urls\":[\"http://www.example.com/a.js\"]}", "push-1");
        assertThat(pushAgain.json().get("id").asString()).isEqualTo(push.json().get("id").asString());
        assertThat(cp.plane().log().lastSequence()).isEqualTo(2);
    }

    @Test
    void aRetriedChangeNoticeWithItsIdempotencyKeyIsOnePurge() {
        start("");
        String notice = "{\"event\":\"changed\",\"path\":\"/app.js\",\"etag\":\"\\\"v2\\\"\"}";
        for (int attempt = 0; attempt < 6; attempt++) { // six timed-out retries of one notice
            assertThat(post("/api/v1/origin-events", NODE, notice, "notice-7f3a").json().get("id").asString())
                    .isEqualTo("p-1");
        }
        assertThat(cp.plane().log().lastSequence()).isEqualTo(1);
    }

    @Test
    void changeNoticesAreRateLimitedPerTokenWithRetryAfter() {
        start("rateLimits: {originEventsPerMinute: 3}\n");
        for (int i = 0; i < 3; i++) {
            assertThat(cp.post("/api/v1/origin-events", NODE, "{\"event\":\"deleted\",\"path\":\"/" + i + "\"}")
                    .status()).isEqualTo(202);
        }
        HttpReply limited = cp.post("/api/v1/origin-events", NODE, "{\"event\":\"deleted\",\"path\":\"/x\"}");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.error()).isEqualTo("rate_limited");
        assertThat(limited.header("Retry-After")).isNotNull();
        assertThat(cp.plane().log().lastSequence()).isEqualTo(3);
    }

    @Test
    void changeNoticesSentWithAPurgeScopedTokenAreRateLimitedToo() {
        // the reported repro: an operator's purge token posting origin events, 500 accepted in 3 s
        start("rateLimits: {originEventsPerMinute: 3}\n");
        for (int i = 0; i < 3; i++) {
            assertThat(cp.post("/api/v1/origin-events", OPS, "{\"event\":\"deleted\",\"path\":\"/" + i + "\"}")
                    .status()).isEqualTo(202);
        }
        for (int i = 0; i < 20; i++) {
            HttpReply limited = cp.post("/api/v1/origin-events", OPS, "{\"event\":\"deleted\",\"path\":\"/x\"}");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("Retry-After")).isNotNull();
        }
        assertThat(cp.plane().log().lastSequence()).isEqualTo(3);
    }

    @Test
    void anEntryBiggerThanTheEntryCapIsRefusedWith413NamingTheCap() {
        start("log: {maxEntryBytes: 2000}\nmaxUrlsPerCall: 100\n");
        StringBuilder urls = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            urls.append(i == 0 ? "" : ",").append("\"http://www.example.com/").append("p".repeat(80)).append(i)
                    .append('"');
        }
        HttpReply refused = cp.post("/api/v1/purges", OPS, "{\"urls\":[" + urls + "]}");
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.error()).isEqualTo("entry_too_large");
        assertThat(refused.message()).contains("2000").contains("log.maxEntryBytes");
        assertThat(cp.plane().log().lastSequence()).isZero();
    }

    @Test
    void aListingIsCutAtItsByteCapAndSaysHowToGoOn() {
        start("log: {maxEntryBytes: 2000, catchUpPageBytes: 4000, maxListingBytes: 4000}\n");
        for (int i = 0; i < 10; i++) {
            assertThat(cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/" + "q".repeat(900) + i
                    + "\"]}").status()).isEqualTo(202);
        }
        HttpReply first = cp.get("/api/v1/purges?limit=500", READER);
        assertThat(first.body().length()).isLessThanOrEqualTo(4000 + 200); // the cap plus the listing's own keys
        JsonNode listing = first.json();
        assertThat(listing.get("more").asBoolean()).isTrue();
        int shown = listing.get("purges").size();
        assertThat(shown).isBetween(1, 9);
        long oldestShown = listing.get("purges").get(shown - 1).get("sequence").asLong();
        assertThat(listing.get("next").asString()).isEqualTo("?limit=500&before=" + oldestShown);

        JsonNode next = cp.get("/api/v1/purges" + listing.get("next").asString(), READER).json();
        assertThat(next.get("purges").get(0).get("sequence").asLong()).isEqualTo(oldestShown - 1);
    }
}
