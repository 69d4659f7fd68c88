package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CacheStoreTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");

    private CachedObject object(String key, int size, String... headers) {
        return CachedObjects.create(key, Fields.empty(), 200, Fields.of(headers), ByteBuffer.allocate(size), t0,
                t0, TestObjects.POLICY);
    }

    @Test
    void storedBytesStayWithinTheLimitPlusOneObjectUnderTenTimesTheLoad() {
        long maxBytes = 100_000;
        int objectSize = 3_000;
        CacheStore store = new CacheStore(maxBytes, 8);
        long maxObjectWeight = 0;
        for (int i = 0; i < 10 * maxBytes / objectSize; i++) {
            CachedObject o = object("http://h/" + i, objectSize, "Cache-Control", "max-age=60");
            maxObjectWeight = Math.max(maxObjectWeight, o.weight());
            store.put(o);
            assertThat(store.bytes()).isLessThanOrEqualTo(maxBytes + maxObjectWeight);
        }
        assertThat(store.evictions()).isPositive();
    }

    @Test
    void hitsShareTheStoredBodyWithoutCopying() {
        CacheStore store = new CacheStore(1_000_000, 8);
        store.put(object("http://h/a", 10, "Cache-Control", "max-age=60"));
        ByteBuffer first = store.lookup("http://h/a", Fields.empty()).orElseThrow().body();
        first.position(5);
        ByteBuffer second = store.lookup("http://h/a", Fields.empty()).orElseThrow().body();
        assertThat(second.position()).isZero();
        assertThat(second.isReadOnly()).isTrue();
    }

    @Test
    void anEntryHoldsTheBodyItWasHandedAndEveryReaderGetsItsOwnReadOnlyView() {
        ByteBuffer handed = ByteBuffer.allocateDirect(10);
        for (int i = 0; i < 10; i++) {
            handed.put(i, (byte) i);
        }
        CachedObject o = CachedObjects.create(KEY + "b", Fields.empty(), 200, Fields.of("Cache-Control",
                "max-age=60"), handed, t0, t0, TestObjects.POLICY);
        handed.position(7); // a caller moving its buffer afterwards does not move the stored body's bounds

        assertThat(o.heldBody()).isSameAs(handed); // no view of its own per entry
        assertThat(o.length()).isEqualTo(10);
        ByteBuffer view = o.body();
        assertThat(view.isReadOnly()).isTrue();
        assertThat(view.position()).isZero();
        assertThat(view.remaining()).isEqualTo(10);
        assertThat(o.body()).isNotSameAs(view);
        assertThat(o.markedStale().heldBody()).isSameAs(handed);
        assertThat(o.markedStale().body().get(9)).isEqualTo((byte) 9);

        ByteBuffer part = ByteBuffer.allocateDirect(10).position(2).limit(8);
        CachedObject sliced = CachedObjects.create(KEY + "c", Fields.empty(), 200, Fields.empty(), part, t0, t0,
                TestObjects.POLICY);
        assertThat(sliced.length()).isEqualTo(6);
        assertThat(sliced.body().remaining()).isEqualTo(6);
    }

    @Test
    void variantsAreSelectedByVaryAndCappedPerUrl() {
        CacheStore store = new CacheStore(1_000_000, 2);
        for (String lang : new String[] {"de", "fr", "it"}) {
            store.put(CachedObjects.create("http://h/a", Fields.of("Accept-Language", lang), 200,
                    Fields.of("Cache-Control", "max-age=60", "Vary", "Accept-Language"),
                    ByteBuffer.wrap(lang.getBytes()), t0, t0, TestObjects.POLICY));
        }
        assertThat(store.lookup("http://h/a", Fields.of("Accept-Language", "it"))).isPresent();
        assertThat(store.lookup("http://h/a", Fields.of("Accept-Language", "fr"))).isPresent();
        assertThat(store.lookup("http://h/a", Fields.of("Accept-Language", "de"))).isEmpty(); // oldest dropped
    }

    @Test
    void purgeOfAUrlRemovesEveryVariant() {
        CacheStore store = new CacheStore(1_000_000, 8);
        for (String lang : new String[] {"de", "fr"}) {
            store.put(CachedObjects.create("http://h/a", Fields.of("Accept-Language", lang), 200,
                    Fields.of("Cache-Control", "max-age=60", "Vary", "Accept-Language"),
                    ByteBuffer.wrap(lang.getBytes()), t0, t0, TestObjects.POLICY));
        }
        assertThat(store.purge("http://h/a", false)).isEqualTo(2);
        assertThat(store.lookup("http://h/a", Fields.of("Accept-Language", "de"))).isEmpty();
    }

    @Test
    void softPurgeKeepsTheObjectButMarksItStale() {
        CacheStore store = new CacheStore(1_000_000, 8);
        store.put(object("http://h/a", 10, "Cache-Control", "max-age=600"));
        assertThat(store.purge("http://h/a", true)).isEqualTo(1);
        CachedObject o = store.lookup("http://h/a", Fields.empty()).orElseThrow();
        assertThat(o.invalidated()).isTrue();
        assertThat(o.isFresh(t0)).isFalse();
    }

    @Test
    void surrogateKeyIndexFollowsPurgesAndEvictions() {
        CacheStore store = new CacheStore(20_000, 8);
        store.put(object("http://h/a", 100, "Cache-Control", "max-age=60", "Surrogate-Key", "css home"));
        store.put(object("http://h/b", 100, "Cache-Control", "max-age=60", "Surrogate-Key", "css"));
        assertThat(store.keysTagged("css")).containsExactlyInAnyOrder("http://h/a", "http://h/b");
        assertThat(store.purgeTag("css", false)).isEqualTo(2);
        assertThat(store.keysTagged("css")).isEmpty();
        assertThat(store.keysTagged("home")).isEmpty();

        store.put(object("http://h/t", 100, "Cache-Control", "max-age=60", "Surrogate-Key", "tagged"));
        for (int i = 0; i < 100; i++) { // push the tagged object out by weight
            store.put(object("http://h/filler" + i, 1_000, "Cache-Control", "max-age=60"));
            store.lookup("http://h/filler" + i, Fields.empty());
        }
        if (store.lookup("http://h/t", Fields.empty()).isEmpty()) {
            assertThat(store.keysTagged("tagged")).isEmpty();
        }
        assertThat(store.bytes()).isLessThanOrEqualTo(20_000 + 2_000);
    }

    @Test
    void replacingAnObjectKeepsItsTagsIndexed() {
        CacheStore store = new CacheStore(1_000_000, 8);
        store.put(object("http://h/a", 10, "Cache-Control", "max-age=60", "Surrogate-Key", "x"));
        store.put(object("http://h/a", 20, "Cache-Control", "max-age=60", "Surrogate-Key", "x"));
        assertThat(store.keysTagged("x")).containsExactly("http://h/a");
        store.put(object("http://h/a", 20, "Cache-Control", "max-age=60", "Surrogate-Key", "y"));
        assertThat(store.keysTagged("x")).isEmpty();
        assertThat(store.keysTagged("y")).containsExactly("http://h/a");
    }

    @Test
    void anAnswerFetchedAcrossAPurgeOfItsUrlIsNotStored() {
        CacheStore store = new CacheStore(1_000_000, 8);
        long ticket = store.fetchTicket();
        store.purge("svc/a", false); // ran while the answer was on its way
        CachedObject answer = object("svc/a", 10, "Cache-Control", "max-age=60");
        assertThat(store.putFetched(answer, ticket)).isEqualTo(CacheStore.Admission.REFUSED);
        assertThat(store.lookup("svc/a", Fields.empty())).isEmpty();
        assertThat(store.bytes()).isZero();
        assertThat(store.refusedAfterPurge()).isEqualTo(1);
        long later = store.fetchTicket();
        assertThat(store.putFetched(answer, later)).isEqualTo(CacheStore.Admission.STORED);
        assertThat(store.lookup("svc/a", Fields.empty())).contains(answer);
    }

    @Test
    void anAnswerFetchedAcrossASoftPurgeIsStoredStale() {
        CacheStore store = new CacheStore(1_000_000, 8);
        long ticket = store.fetchTicket();
        store.purgeIf(k -> k.startsWith("svc/"), true);
        CachedObject answer = object("svc/a", 10, "Cache-Control", "max-age=60");
        assertThat(store.putFetched(answer, ticket)).isEqualTo(CacheStore.Admission.STORED_STALE);
        assertThat(store.lookup("svc/a", Fields.empty())).get().extracting(CachedObject::invalidated)
                .isEqualTo(true);
    }

    @Test
    void aTagPurgeFencesAnswersCarryingTheTagOnly() {
        CacheStore store = new CacheStore(1_000_000, 8);
        long ticket = store.fetchTicket();
        store.purgeTag("css", false);
        CachedObject tagged = object("svc/a.css", 10, "Cache-Control", "max-age=60", "Surrogate-Key", "static css");
        CachedObject other = object("svc/a.js", 10, "Cache-Control", "max-age=60", "Surrogate-Key", "static");
        assertThat(store.putFetched(tagged, ticket)).isEqualTo(CacheStore.Admission.REFUSED);
        assertThat(store.putFetched(other, ticket)).isEqualTo(CacheStore.Admission.STORED);
        assertThat(store.keysTagged("static")).containsExactly("svc/a.js");
    }

    @Test
    void aRefusedAnswerLeavesOtherVariantsOfItsUrlAlone() {
        CacheStore store = new CacheStore(1_000_000, 8);
        long ticket = store.fetchTicket();
        store.purge("svc/a", false);
        CachedObject en = CachedObjects.create("svc/a", Fields.of("Accept-Language", "en"), 200,
                Fields.of("Cache-Control", "max-age=60", "Vary", "Accept-Language"), ByteBuffer.allocate(5), t0, t0,
                TestObjects.POLICY);
        store.put(en); // fetched after the purge
        CachedObject de = CachedObjects.create("svc/a", Fields.of("Accept-Language", "de"), 200,
                Fields.of("Cache-Control", "max-age=60", "Vary", "Accept-Language"), ByteBuffer.allocate(7), t0, t0,
                TestObjects.POLICY);
        assertThat(store.putFetched(de, ticket)).isEqualTo(CacheStore.Admission.REFUSED);
        assertThat(store.lookup("svc/a", Fields.of("Accept-Language", "en"))).contains(en);
        assertThat(store.lookup("svc/a", Fields.of("Accept-Language", "de"))).isEmpty();
        assertThat(store.bytes()).isEqualTo(en.weight());
    }

    private static final String KEY = "http://h/";

    /** Exactly {@code n} objects of {@link #sized} (keys of one length), each asked for {@code asks} times. */
    private CacheStore fullOf(int n, int asks) {
        CacheStore store = new CacheStore((long) n * sized(KEY + 0).weight(), 8);
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < asks; a++) {
                store.find(KEY + i, Fields.empty());
            }
            store.putFetched(sized(KEY + i), store.fetchTicket());
        }
        assertThat(store.entries()).isEqualTo(n);
        return store;
    }

    private CachedObject sized(String key) {
        return object(key, 2_000, "Cache-Control", "max-age=60");
    }

    @Test
    void aFullStoreKeepsItsFrequentObjectsAndTurnsAwayAFetchAskedForOnce() {
        CacheStore store = fullOf(10, 3);

        assertThat(store.find(KEY + "n", Fields.empty())).isNull();
        store.putFetched(sized(KEY + "n"), store.fetchTicket());

        assertThat(store.find(KEY + "n", Fields.empty())).isNull();
        assertThat(store.refusedByAdmission()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            assertThat(store.find(KEY + i, Fields.empty())).as("object %d", i).isNotNull();
        }
    }

    @Test
    void aFetchAskedForMoreOftenThanTheEntryItDisplacesEntersTheFullStore() {
        CacheStore store = fullOf(10, 3);
        for (int a = 0; a < 5; a++) {
            store.find(KEY + "n", Fields.empty());
        }

        store.putFetched(sized(KEY + "n"), store.fetchTicket());

        assertThat(store.find(KEY + "n", Fields.empty())).isNotNull();
        assertThat(store.entries()).isEqualTo(10);
        assertThat(store.evictions()).isEqualTo(1);
        assertThat(store.bytes()).isLessThanOrEqualTo(10L * sized(KEY + 0).weight());
    }

    @Test
    void aRunOfAdmissionsOnOneReadOfTheColdestEntriesKeepsTheBoundAndTakesEachVictimOnce() {
        CacheStore store = fullOf(10, 1);
        long bound = 10L * sized(KEY + 0).weight();

        // 20 newcomers (keys as long as the first entries': the same weight) asked for 5 times each, one after
        // another: the first 10 displace the 10 entries asked for once, one victim each (though the pool is read
        // from Caffeine only every few decisions); the other 10 would displace newcomers as frequent as themselves,
        // so they are kept out.
        for (int i = 0; i < 20; i++) {
            String key = KEY + (char) ('a' + i);
            for (int a = 0; a < 5; a++) {
                store.find(key, Fields.empty());
            }
            store.putFetched(sized(key), store.fetchTicket());
            assertThat(store.bytes()).as("after newcomer %d", i).isLessThanOrEqualTo(bound);
        }

        for (int i = 0; i < 10; i++) {
            assertThat(store.find(KEY + (char) ('a' + i), Fields.empty())).as("newcomer %d", i).isNotNull();
            assertThat(store.find(KEY + i, Fields.empty())).as("first entry %d", i).isNull();
        }
        assertThat(store.evictions()).isEqualTo(10);
        assertThat(store.refusedByAdmission()).isEqualTo(10);
    }

    @Test
    void aPushIsStoredWhateverItsFrequency() {
        CacheStore store = fullOf(10, 3);

        store.put(sized(KEY + "p"));

        assertThat(store.find(KEY + "p", Fields.empty())).isNotNull();
        assertThat(store.refusedByAdmission()).isZero();
    }

    @Test
    void theWeigherChargesTheBodyTheHeadersHeapTheKeyAndTheEntrysObjects() {
        CachedObject o = object(KEY + "a", 100, "ETag", "\"abcdef\"");

        assertThat(o.weight()).isEqualTo(100 + o.headers().heapBytes() + (KEY + "a").length()
                + CachedObject.ENTRY_BYTES);
    }
}
