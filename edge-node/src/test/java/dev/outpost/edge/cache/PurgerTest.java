package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.config.CacheKeyRules;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PurgerTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");
    private final CacheStore store = new CacheStore(1_000_000, 8);
    private final Purger purger = new Purger(store, host -> new CacheKeys(CacheKeyRules.DEFAULTS));

    private void put(String key, String... headers) {
        store.put(TestObjects.stored(key, 200, "b", t0, headers));
    }

    private static Purger.Request urls(String... urls) {
        return new Purger.Request(List.of(urls), null, null, null, null, null);
    }

    @Test
    void urlIsNormalizedLikeRequestKeys() {
        put("http://h/a/b?x=1&y=2", "Cache-Control", "max-age=60");
        assertThat(purger.purge(urls("http://H/a/./b?y=2&utm_source=z&x=1")).removed()).isEqualTo(1);
    }

    @Test
    void prefixMatchesOnlyBelowItsPath() {
        put("http://h/img/a.png", "Cache-Control", "max-age=60");
        put("http://h/images.html", "Cache-Control", "max-age=60");
        Purger.Request byPrefix = new Purger.Request(null, List.of("http://h/img/"), null, null, null, null);
        assertThat(purger.purge(byPrefix).removed()).isEqualTo(1);
        assertThat(store.keys()).containsExactly("http://h/images.html");
    }

    @Test
    void hostPurgeLeavesOtherHostsAlone() {
        put("http://a/x", "Cache-Control", "max-age=60");
        put("http://b/x", "Cache-Control", "max-age=60");
        assertThat(purger.purge(new Purger.Request(null, null, null, List.of("A"), null, null)).removed())
                .isEqualTo(1);
        assertThat(store.keys()).containsExactly("http://b/x");
    }

    @Test
    void softPurgeCountsMarkedEntries() {
        put("http://h/s", "Cache-Control", "max-age=60");
        Purger.Result r = purger.purge(new Purger.Request(List.of("http://h/s"), null, null, null, false, true));
        assertThat(r.markedStale()).isEqualTo(1);
        assertThat(r.removed()).isZero();
    }

    @Test
    void emptyOrRelativePurgeIsRefused() {
        assertThatThrownBy(() -> new Purger.Request(null, null, null, null, null, null))
                .hasMessageContaining("all=true");
        assertThatThrownBy(() -> purger.purge(urls("/relative"))).hasMessageContaining("absolute");
    }
}
