package dev.outpost.control.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.control.StoreSettings;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.control.registry.NodeStore;
import dev.outpost.control.tls.JoinTokens;
import dev.outpost.testkit.ManualClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The store itself on both engines: the log's sequence stays global and gap-free under concurrent appends from two
 * stores on one database, an edge's acknowledgement is recorded once, join tokens are used once, and the SQLite
 * files of an earlier version are imported once (log, sequence, nodes, tokens, statistics).
 */
@ParameterizedClass
@EnumSource(StoreEngine.class)
class StoreIT {
    @Parameter
    StoreEngine engine;
    @TempDir
    Path dir;
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");

    private static NewEntry purge(String url) {
        return NewEntry.purgeUrls(List.of(url));
    }

    @Test
    void concurrentAppendsThroughTwoStoresOnOneDatabaseTakeOneGapFreeSequence() throws Exception {
        StoreSettings settings = engine.settings(dir);
        List<Long> sequences = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService appenders = Executors.newFixedThreadPool(4);
        try (InvalidationLog first = InvalidationLog.open(settings, dir, clock);
                InvalidationLog second = InvalidationLog.open(settings, dir, clock)) {
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                InvalidationLog log = thread % 2 == 0 ? first : second;
                int t = thread;
                done.add(appenders.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20; i++) {
                        sequences.add(log.append(purge("http://a.example/" + t + "/" + i), List.of("eu-1"), "ops")
                                .sequence());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(sequences).as("every number once, none skipped").containsExactlyInAnyOrderElementsOf(
                    LongStream.rangeClosed(1, 80).boxed().toList());
            for (long sequence = 1; sequence <= 80; sequence++) {
                assertThat(first.entry(sequence)).as("entry " + sequence).isPresent();
                assertThat(first.deliveries(sequence)).hasSize(1);
            }
        } finally {
            appenders.shutdownNow();
        }
        try (InvalidationLog reopened = InvalidationLog.open(settings, dir, clock)) {
            assertThat(reopened.lastSequence()).isEqualTo(80);
        }
    }

    @Test
    void anEdgesAcknowledgementIsRecordedOnceEvenWhenItArrivesTwice() {
        try (InvalidationLog log = InvalidationLog.open(engine.settings(dir), dir, clock)) {
            long sequence = log.append(purge("http://a.example/x"), List.of("eu-1", "us-1"), "ops").sequence();
            log.markApplied(sequence, "eu-1");
            clock.advance(Duration.ofSeconds(5));
            log.markApplied(sequence, "eu-1");

            assertThat(log.deliveries(sequence)).extracting(Delivery::node, Delivery::state, d -> d.appliedAt()
                    .map(Object::toString).orElse("-")).containsExactly(
                            org.assertj.core.groups.Tuple.tuple("eu-1", Delivery.State.APPLIED, "2026-01-01T00:00:00Z"),
                            org.assertj.core.groups.Tuple.tuple("us-1", Delivery.State.PENDING, "-"));
        }
    }

    @Test
    void aJoinTokenIsUsedOnceAndStaysUsedAcrossReopening() {
        String secret;
        try (JoinTokens tokens = JoinTokens.open(engine.settings(dir), dir)) {
            secret = tokens.create("eu-1", List.of("eu-1.example"), List.of("127.0.0.1"),
                    clock.instant().plus(Duration.ofHours(1)));
            JoinTokens.JoinToken token = tokens.find(secret).orElseThrow();
            assertThat(token.names()).containsExactly("eu-1.example");
            assertThat(tokens.use(token, clock.instant())).isTrue();
            assertThat(tokens.use(token, clock.instant())).as("the second join with it").isFalse();
        }
        try (JoinTokens reopened = JoinTokens.open(engine.settings(dir), dir)) {
            assertThat(reopened.find(secret).orElseThrow().usedAt()).contains(clock.instant());
            assertThat(reopened.find("oj_unknown")).isEmpty();
        }
    }

    @Test
    void theSqliteFilesOfAnEarlierVersionAreImportedOnceWithTheLogsSequence() throws Exception {
        writeEarlierVersionFiles(dir);
        StoreSettings settings = engine.settings(dir);
        try (InvalidationLog log = InvalidationLog.open(settings, dir, clock)) {
            assertThat(log.lastSequence()).as("sqlite_sequence, beyond the compacted entries").isEqualTo(7);
            assertThat(log.entry(6).orElseThrow().entry().urls()).containsExactly("http://a.example/6");
            assertThat(log.entry(3)).as("compacted before the upgrade").isEmpty();
            assertThat(log.deliveries(6)).extracting(Delivery::node, Delivery::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("eu-1", Delivery.State.PENDING));
            assertThat(log.append(purge("http://a.example/8"), List.of(), "ops").sequence()).isEqualTo(8);
        }
        try (NodeStore nodes = NodeStore.open(settings, dir)) {
            assertThat(nodes.all()).singleElement().satisfies(node -> {
                assertThat(node.registration().id()).isEqualTo("eu-1");
                assertThat(node.appliedSequence()).isEqualTo(5);
                assertThat(node.fenced()).as("a column the old file lacked takes its default").isFalse();
            });
        }
        try (JoinTokens tokens = JoinTokens.open(settings, dir)) {
            assertThat(tokens.find("oj_earlier-secret")).hasValueSatisfying(t -> assertThat(t.node()).isEqualTo("us-1"));
        }
        try (Store store = Store.open(settings, dir)) {
            long requests = store.read("test", c -> Store.longValue(c, "SELECT requests FROM traffic"));
            long entries = store.read("test", c -> Store.longValue(c, "SELECT count(*) FROM entries"));
            assertThat(requests).isEqualTo(42);
            assertThat(entries)
                    .as("imported once: opening again imports nothing").isEqualTo(3L);
        }
    }

    /** The four files of a control plane before the store, in their oldest schema (no tries, no fenced). */
    private static void writeEarlierVersionFiles(Path dir) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("invalidations.db"));
                Statement s = db.createStatement()) {
            s.execute("CREATE TABLE entries (sequence INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
                    + "urls TEXT NOT NULL, prefixes TEXT NOT NULL, tags TEXT NOT NULL, hosts TEXT NOT NULL, "
                    + "all_content INTEGER NOT NULL, soft INTEGER NOT NULL, regions TEXT NOT NULL, "
                    + "accepted_at INTEGER NOT NULL, requested_by TEXT NOT NULL)");
            s.execute("CREATE TABLE deliveries (sequence INTEGER NOT NULL REFERENCES entries(sequence), "
                    + "node TEXT NOT NULL, state TEXT NOT NULL, applied_at INTEGER, detail TEXT, "
                    + "PRIMARY KEY (sequence, node))");
            s.execute("CREATE TABLE compacted (regions TEXT PRIMARY KEY, through INTEGER NOT NULL)");
            for (int i = 1; i <= 7; i++) {
                s.execute("INSERT INTO entries (kind, urls, prefixes, tags, hosts, all_content, soft, regions, "
                        + "accepted_at, requested_by) VALUES ('purge', '[\"http://a.example/" + i + "\"]', '[]', "
                        + "'[]', '[]', 0, 0, '', 1767225600000, 'ops')");
            }
            s.execute("INSERT INTO deliveries (sequence, node, state) VALUES (6, 'eu-1', 'pending')");
            s.execute("DELETE FROM entries WHERE sequence <= 4 OR sequence = 7"); // compacted; 7 lost with its row
            s.execute("INSERT INTO compacted (regions, through) VALUES ('', 4)");
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("nodes.db"));
                Statement s = db.createStatement()) {
            s.execute("CREATE TABLE nodes (id TEXT PRIMARY KEY, registration TEXT NOT NULL, "
                    + "registered_at INTEGER NOT NULL, applied INTEGER NOT NULL)");
            s.execute("INSERT INTO nodes VALUES ('eu-1', '{\"id\":\"eu-1\",\"kind\":\"edge\",\"region\":\"eu\","
                    + "\"publicUrl\":\"http://127.0.0.1:1\",\"adminUrl\":\"http://127.0.0.1:2\","
                    + "\"appliedSequence\":5,\"cacheEmpty\":false}', 1767225600000, 5)");
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("joins.db"));
                Statement s = db.createStatement()) {
            s.execute("CREATE TABLE join_tokens (sha256 TEXT PRIMARY KEY, node TEXT NOT NULL, names TEXT NOT NULL, "
                    + "addresses TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER)");
            s.execute("INSERT INTO join_tokens VALUES ('" + dev.outpost.control.ControlPlaneConfig.sha256(
                    "oj_earlier-secret") + "', 'us-1', '[]', '[]', 1893456000000, NULL)");
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("traffic.db"));
                Statement s = db.createStatement()) {
            s.execute("CREATE TABLE traffic (minute INTEGER NOT NULL, service TEXT NOT NULL, "
                    + "status_class TEXT NOT NULL, requests INTEGER NOT NULL, hits INTEGER NOT NULL, "
                    + "bytes INTEGER NOT NULL, PRIMARY KEY (minute, service, status_class)) WITHOUT ROWID");
            s.execute("INSERT INTO traffic VALUES (1767225600000, 'www', '2xx', 42, 40, 1000)");
        }
    }
}
