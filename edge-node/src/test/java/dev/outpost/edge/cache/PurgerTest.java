package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.EdgePurgeResult;
import dev.outpost.common.service.CacheKeyRules;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PurgerTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");
    private final CacheStore store = new CacheStore(1_000_000, 8);
    /** Two services: "site" answers for h and its alias www.h, "other" for o. */
    private final Map<String, CacheKeys> services = Map.of("h", new CacheKeys("site", CacheKeyRules.DEFAULTS),
            "www.h", new CacheKeys("site", CacheKeyRules.DEFAULTS), "o", new CacheKeys("other", CacheKeyRules.DEFAULTS));
    private final Purger purger = new Purger(store, host -> Optional.ofNullable(services.get(host.toLowerCase())));

    private void put(String key, String... headers) {
        store.put(TestObjects.stored(key, 200, "b", t0, headers));
    }

    private static EdgePurge urls(String... urls) {
        return new EdgePurge(List.of(urls), null, null, null, null, null);
    }

    @Test
    void urlIsNormalizedLikeRequestKeys() {
        put("site/a/b?x=1&y=2", "Cache-Control", "max-age=60");
        assertThat(purger.purge(urls("http://H/a/./b?y=2&utm_source=z&x=1")).removed()).isEqualTo(1);
    }

    @Test
    void aUrlWithAnyOfTheServicesHostNamesPurgesItsOneEntry() {
        put("site/logo.png", "Cache-Control", "max-age=60");
        assertThat(purger.purge(urls("https://www.h:8443/logo.png")).removed()).isEqualTo(1);
        assertThat(store.keys()).isEmpty();
    }

    @Test
    void prefixMatchesOnlyBelowItsPath() {
        put("site/img/a.png", "Cache-Control", "max-age=60");
        put("site/images.html", "Cache-Control", "max-age=60");
        EdgePurge byPrefix = new EdgePurge(null, List.of("http://www.h/img/"), null, null, null, null);
        assertThat(purger.purge(byPrefix).removed()).isEqualTo(1);
        assertThat(store.keys()).containsExactly("site/images.html");
    }

    @Test
    void hostPurgeEmptiesItsServiceAndLeavesOtherServicesAlone() {
        put("site/x", "Cache-Control", "max-age=60");
        put("other/x", "Cache-Control", "max-age=60");
        assertThat(purger.purge(new EdgePurge(null, null, null, List.of("WWW.H"), null, null)).removed())
                .isEqualTo(1);
        assertThat(store.keys()).containsExactly("other/x");
    }

    @Test
    void hostsNoServiceServesPurgeNothingAndAreNamed() {
        put("site/x", "Cache-Control", "max-age=60");
        EdgePurgeResult r = purger.purge(new EdgePurge(List.of("http://127.0.2.1:8080/x"),
                List.of("http://nowhere.test/"), null, List.of("nowhere.test", "h"), null, null));
        assertThat(r.unknownHosts()).containsExactly("127.0.2.1", "nowhere.test");
        assertThat(r.removed()).isEqualTo(1); // the host purge of h
    }

    @Test
    void softPurgeCountsMarkedEntries() {
        put("site/s", "Cache-Control", "max-age=60");
        EdgePurgeResult r = purger.purge(new EdgePurge(List.of("http://h/s"), null, null, null, false, true));
        assertThat(r.markedStale()).isEqualTo(1);
        assertThat(r.removed()).isZero();
    }

    @Test
    void emptyOrRelativePurgeIsRefused() {
        assertThatThrownBy(() -> new EdgePurge(null, null, null, null, null, null))
                .hasMessageContaining("all=true");
        assertThatThrownBy(() -> purger.purge(urls("/relative"))).hasMessageContaining("absolute");
    }
}
