package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.CONFIG;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.control.services.ServiceStore;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/v1/services} on a real control plane: versions with ETags, preconditions, validation before anything
 * is logged, history, diff and rollback (docs/services.md).
 */
class ServicesApiIT {
    static final String SITE = """
            {"hosts":["www.example.com"],"origins":["http://127.0.0.1:8081"]}""";
    static final String SITE_NEW_ORIGIN = """
            {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""";

    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void aServiceIsCreatedReadAndChangedWithItsVersionAsETag() {
        HttpReply created = cp.put("/api/v1/services/site", CONFIG, SITE, "If-None-Match", "*");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("ETag")).isEqualTo("\"1\"");
        assertThat(created.json().get("version").asLong()).isEqualTo(1);
        assertThat(created.json().get("id").asString()).isEqualTo("c-" + created.json().get("sequence").asLong());

        HttpReply read = cp.get("/api/v1/services/site", READER);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("ETag")).isEqualTo("\"1\"");
        assertThat(read.json().get("definition").get("origins").get(0).asString()).isEqualTo("http://127.0.0.1:8081");
        assertThat(read.json().get("definition").get("name").asString()).isEqualTo("site");

        HttpReply changed = cp.put("/api/v1/services/site", CONFIG, SITE_NEW_ORIGIN, "If-Match", "\"1\"");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.header("ETag")).isEqualTo("\"2\"");
        HttpReply list = cp.get("/api/v1/services", READER);
        assertThat(list.json().get("version").asLong()).isEqualTo(2);
        assertThat(list.json().get("services")).singleElement()
                .satisfies(s -> assertThat(s.get("version").asLong()).isEqualTo(2));
    }

    @Test
    void aStaleIfMatchIsRefusedWith412AndLogsNothing() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        assertThat(cp.put("/api/v1/services/site", CONFIG, SITE_NEW_ORIGIN, "If-Match", "\"1\"").status())
                .isEqualTo(200);
        long logged = cp.plane().log().lastSequence();

        // a second operator read version 1 before the first one's change
        HttpReply stale = cp.put("/api/v1/services/site", CONFIG, SITE, "If-Match", "\"1\"");

        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.json().get("error").asString()).isEqualTo("precondition_failed");
        assertThat(stale.json().get("message").asString()).contains("\"2\"");
        assertThat(cp.plane().log().lastSequence()).isEqualTo(logged);
        assertThat(cp.get("/api/v1/services/site/versions", READER).json().get("versions")).hasSize(2);
    }

    @Test
    void ofConcurrentChangesWithTheSameIfMatchExactlyOneWinsAndTheOthersGet412() throws Exception {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        int operators = 6;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(operators)) {
            for (int i = 0; i < operators; i++) {
                String origin = "http://127.0.0.1:" + (9000 + i);
                answers.add(pool.submit(() -> {
                    go.await();
                    return cp.put("/api/v1/services/site", CONFIG, "{\"hosts\":[\"www.example.com\"],"
                            + "\"origins\":[\"" + origin + "\"]}", "If-Match", "\"1\"").status();
                }));
            }
            go.countDown();
            java.util.List<Integer> statuses = new java.util.ArrayList<>();
            for (var answer : answers) {
                statuses.add(answer.get());
            }
            assertThat(statuses).containsOnlyOnce(200).filteredOn(s -> s != 200).hasSize(operators - 1)
                    .allSatisfy(s -> assertThat(s).isEqualTo(412));
        }
        assertThat(cp.get("/api/v1/services/site/versions", READER).json().get("versions")).hasSize(2);
    }

    @Test
    void anUpdateOrDeleteWithoutIfMatchIsRefusedWith428AndACreateOverAnExistingOneWith412() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        long logged = cp.plane().log().lastSequence();

        assertThat(cp.put("/api/v1/services/site", CONFIG, SITE_NEW_ORIGIN).status()).isEqualTo(428);
        assertThat(cp.delete("/api/v1/services/site", CONFIG).status()).isEqualTo(428);
        assertThat(cp.put("/api/v1/services/site", CONFIG, SITE_NEW_ORIGIN, "If-None-Match", "*").status())
                .isEqualTo(412);
        assertThat(cp.plane().log().lastSequence()).isEqualTo(logged);
    }

    @Test
    void anInvalidChangeIsRefusedNamingTheFieldBeforeItIsLogged() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        long logged = cp.plane().log().lastSequence();

        HttpReply badOrigin = cp.put("/api/v1/services/blog", CONFIG,
                "{\"hosts\":[\"blog.example.com\"],\"origins\":[\"ftp://origin.example.net\"]}");
        assertThat(badOrigin.status()).isEqualTo(422);
        assertThat(badOrigin.json().get("error").asString()).isEqualTo("invalid_service");
        assertThat(badOrigin.json().get("message").asString()).contains("services[blog].origins");

        HttpReply unknownField = cp.put("/api/v1/services/blog", CONFIG,
                "{\"hosts\":[\"blog.example.com\"],\"origins\":[\"http://o.example.net\"],\"cacheKeys\":{}}");
        assertThat(unknownField.status()).isEqualTo(422);
        assertThat(unknownField.json().get("message").asString()).startsWith("unknown key 'cacheKeys'")
                .contains("cacheKey").doesNotContain("dev.outpost");
        HttpReply nestedUnknown = cp.put("/api/v1/services/blog", CONFIG, "{\"hosts\":[\"blog.example.com\"],"
                + "\"origins\":[\"http://o.example.net\"],\"cacheKey\":{\"dropParam\":[\"utm_*\"]}}");
        assertThat(nestedUnknown.status()).isEqualTo(422);
        assertThat(nestedUnknown.json().get("message").asString()).startsWith("unknown key 'dropParam' in 'cacheKey'");

        HttpReply otherName = cp.put("/api/v1/services/blog", CONFIG,
                "{\"name\":\"news\",\"hosts\":[\"blog.example.com\"],\"origins\":[\"http://o.example.net\"]}");
        assertThat(otherName.status()).isEqualTo(400);
        assertThat(otherName.json().get("error").asString()).isEqualTo("name_mismatch");

        HttpReply takenHost = cp.put("/api/v1/services/blog", CONFIG,
                "{\"hosts\":[\"WWW.example.com.\"],\"origins\":[\"http://o.example.net\"]}");
        assertThat(takenHost.status()).isEqualTo(422);
        assertThat(takenHost.json().get("error").asString()).isEqualTo("host_conflict");
        assertThat(takenHost.json().get("message").asString()).contains("www.example.com", "'site'");

        assertThat(cp.put("/api/v1/services/blog", CONFIG, "[1]").status()).isEqualTo(400);
        assertThat(cp.plane().log().lastSequence()).isEqualTo(logged);
        assertThat(cp.get("/api/v1/services/blog", READER).status()).isEqualTo(404);
    }

    @Test
    void changingServicesTakesScopeConfigAndReadTokensSeeNoSigningSecret() {
        assertThat(cp.put("/api/v1/services/site", OPS, SITE).status()).isEqualTo(403);
        String signed = """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:8081"],
                 "signing":{"keys":[{"secret":"0123456789abcdef0123456789abcdef"}]}}""";
        assertThat(cp.put("/api/v1/services/site", CONFIG, signed).status()).isEqualTo(201);

        String readerSees = cp.get("/api/v1/services/site", READER).json().get("definition").get("signing")
                .get("keys").get(0).get("secret").asString();
        String configSees = cp.get("/api/v1/services/site", CONFIG).json().get("definition").get("signing")
                .get("keys").get(0).get("secret").asString();
        assertThat(readerSees).startsWith("sha256:").doesNotContain("0123456789abcdef");
        assertThat(configSees).isEqualTo("0123456789abcdef0123456789abcdef");
    }

    @Test
    void theSameDefinitionAgainIsUnchangedAndLogsNothing() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        long logged = cp.plane().log().lastSequence();

        HttpReply again = cp.put("/api/v1/services/site", CONFIG, SITE, "If-Match", "\"1\"");

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("unchanged").asBoolean()).isTrue();
        assertThat(again.json().get("version").asLong()).isEqualTo(1);
        assertThat(cp.plane().log().lastSequence()).isEqualTo(logged);
    }

    @Test
    void theHistoryNamesWhoChangedWhatAndTheDiffNamesEachField() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com","cdn.example.com"],"origins":["http://127.0.0.1:9091"],
                 "cacheKey":{"dropParams":["utm_*"]}}""", "If-Match", "\"1\"");

        HttpReply history = cp.get("/api/v1/services/site/versions", READER);
        assertThat(history.json().get("versions")).hasSize(2);
        assertThat(history.json().get("versions").get(0).get("changedBy").asString()).isEqualTo("configurer");
        assertThat(history.json().get("versions").get(0).get("summary").asString())
                .isEqualTo("changed hosts, origins, cacheKey");
        assertThat(history.json().get("versions").get(1).get("summary").asString()).startsWith("created");

        HttpReply diff = cp.get("/api/v1/services/site/diff?from=1&to=2", READER);
        assertThat(diff.status()).isEqualTo(200);
        assertThat(diff.json().get("changes")).extracting(c -> c.get("field").asString())
                .containsExactly("cacheKey.dropParams", "hosts", "origins");
        assertThat(diff.json().get("changes").get(2).get("from").get(0).asString())
                .isEqualTo("http://127.0.0.1:8081");
        assertThat(diff.json().get("changes").get(2).get("to").get(0).asString()).isEqualTo("http://127.0.0.1:9091");
    }

    @Test
    void aRollbackIsANewVersionWithTheByteIdenticalDefinition() {
        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:8081"],
                 "requestHeaders":{"forward":"listed","allow":["x-tenant"]},"cacheSetCookie":true}""");
        cp.put("/api/v1/services/site", CONFIG, SITE_NEW_ORIGIN, "If-Match", "\"1\"");

        HttpReply rolledBack = cp.post("/api/v1/services/site/rollback?to=1", CONFIG, "");

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.json().get("version").asLong()).isEqualTo(3);
        assertThat(rolledBack.json().get("summary").asString()).startsWith("rollback to version 1");
        ServiceStore store = ServiceStore.open(cp.plane().log());
        assertThat(store.version("site", 3).orElseThrow().definition())
                .isEqualTo(store.version("site", 1).orElseThrow().definition());
        assertThat(cp.get("/api/v1/services/site/diff?from=1&to=3", READER).json().get("changes")).isEmpty();
        assertThat(cp.get("/api/v1/services/site", READER).header("ETag")).isEqualTo("\"3\"");
        assertThat(cp.post("/api/v1/services/site/rollback?to=9", CONFIG, "").status()).isEqualTo(404);
    }

    @Test
    void aDeletedServiceIsGoneAndItsHistoryStays() {
        cp.put("/api/v1/services/site", CONFIG, SITE);

        HttpReply deleted = cp.delete("/api/v1/services/site", CONFIG, "If-Match", "\"1\"");

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("definition").isNull() || deleted.json().path("definition").isMissingNode())
                .isTrue();
        assertThat(deleted.json().get("purged").get("hosts").get(0).asString()).isEqualTo("www.example.com");
        assertThat(cp.get("/api/v1/services/site", READER).status()).isEqualTo(404);
        assertThat(cp.get("/api/v1/services", READER).json().get("services")).isEmpty();
        assertThat(cp.get("/api/v1/services/site/versions", READER).json().get("versions")).hasSize(2);
        assertThat(cp.post("/api/v1/services/site/rollback?to=2", CONFIG, "").status()).isEqualTo(422);
        assertThat(cp.post("/api/v1/services/site/rollback?to=1", CONFIG, "").status()).isEqualTo(201);
    }
}
