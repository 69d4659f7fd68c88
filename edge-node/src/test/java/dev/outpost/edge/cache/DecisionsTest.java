package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionsTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");

    private Action decide(CachedObject entry, Instant now) {
        return Decisions.decide("GET", Optional.of(entry), now);
    }

    @Test
    void nothingStoredIsFetched() {
        assertThat(Decisions.decide("GET", Optional.empty(), t0)).isEqualTo(Action.FETCH);
    }

    @Test
    void unsafeMethodsBypass() {
        for (String m : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
            assertThat(Decisions.decide(m, Optional.of(TestObjects.stored(t0, "Cache-Control", "max-age=60")), t0))
                    .isEqualTo(Action.BYPASS);
        }
    }

    @Test
    void freshEntryIsServedAlsoForHead() {
        CachedObject o = TestObjects.stored(t0, "Cache-Control", "max-age=60");
        assertThat(decide(o, t0.plusSeconds(59))).isEqualTo(Action.SERVE);
        assertThat(Decisions.decide("HEAD", Optional.of(o), t0)).isEqualTo(Action.SERVE);
    }

    @Test
    void staleEntryIsRevalidated() {
        assertThat(decide(TestObjects.stored(t0, "Cache-Control", "max-age=60"), t0.plusSeconds(60)))
                .isEqualTo(Action.REVALIDATE);
    }

    @Test
    void staleWithinStaleWhileRevalidateIsServedAndRefreshed() {
        CachedObject o = TestObjects.stored(t0, "Cache-Control", "max-age=60, stale-while-revalidate=30");
        assertThat(decide(o, t0.plusSeconds(80))).isEqualTo(Action.SERVE_STALE_AND_REVALIDATE);
        assertThat(decide(o, t0.plusSeconds(91))).isEqualTo(Action.REVALIDATE);
    }

    @Test
    void noCacheIsStoredButAlwaysRevalidated() {
        assertThat(decide(TestObjects.stored(t0, "Cache-Control", "no-cache, max-age=60", "ETag", "\"a\""), t0))
                .isEqualTo(Action.REVALIDATE);
    }

    @Test
    void mustRevalidateIsNeverServedStale() {
        CachedObject o = TestObjects.stored(t0, "Cache-Control",
                "max-age=60, must-revalidate, stale-while-revalidate=30, stale-if-error=60");
        assertThat(decide(o, t0.plusSeconds(70))).isEqualTo(Action.REVALIDATE);
        assertThat(o.usableOnError(t0.plusSeconds(70))).isFalse();
    }

    @Test
    void noCacheIsNeverServedStaleNotEvenWhenTheOriginFails() {
        for (String cc : new String[] {"max-age=2, no-cache", "no-cache=\"A\", max-age=2",
                "max-age=2, no-cache, stale-if-error=600"}) {
            CachedObject o = TestObjects.stored(t0, "Cache-Control", cc, "ETag", "\"a\"");
            assertThat(o.usableOnError(t0.plusSeconds(3))).as(cc).isFalse();
        }
        CachedObject plain = TestObjects.stored(t0, "Cache-Control", "max-age=2", "ETag", "\"a\"");
        assertThat(plain.usableOnError(t0.plusSeconds(3))).isTrue(); // the default stale-if-error window
    }

    @Test
    void sMaxAgeImpliesProxyRevalidateUnlessStaleUseIsGrantedExplicitly() {
        CachedObject strict = TestObjects.stored(t0, "Cache-Control", "s-maxage=60");
        assertThat(strict.usableOnError(t0.plusSeconds(61))).isFalse();
        CachedObject granted = TestObjects.stored(t0, "Cache-Control", "s-maxage=60, stale-if-error=30");
        assertThat(granted.usableOnError(t0.plusSeconds(61))).isTrue();
    }

    @Test
    void qualifiedNoCacheIsRevalidatedOnEveryUse() {
        assertThat(decide(TestObjects.stored(t0, "Cache-Control", "no-cache=\"Set-Cookie\", max-age=60"), t0))
                .isEqualTo(Action.REVALIDATE);
    }

    @Test
    void softPurgedEntryIsRevalidatedButStillUsableOnError() {
        CachedObject o = TestObjects.stored(t0, "Cache-Control", "max-age=600").markedStale();
        assertThat(decide(o, t0.plusSeconds(1))).isEqualTo(Action.REVALIDATE);
        assertThat(o.usableOnError(t0.plusSeconds(1))).isTrue();
    }

    @Test
    void staleIfErrorWindowFromResponseOrDefault() {
        CachedObject own = TestObjects.stored(t0, "Cache-Control", "max-age=10, stale-if-error=20");
        assertThat(own.usableOnError(t0.plusSeconds(30))).isTrue();
        assertThat(own.usableOnError(t0.plusSeconds(31))).isFalse();
        CachedObject byDefault = TestObjects.stored(t0, "Cache-Control", "max-age=10"); // default 5 min
        assertThat(byDefault.usableOnError(t0.plusSeconds(310))).isTrue();
        assertThat(byDefault.usableOnError(t0.plusSeconds(311))).isFalse();
    }

    @Test
    void refreshFromNotModifiedRestartsFreshnessAndUpdatesHeaders() {
        CachedObject old = TestObjects.stored(t0, "Cache-Control", "max-age=60", "ETag", "\"v1\"", "X-A", "1");
        Instant later = t0.plusSeconds(120);
        CachedObject fresh = CachedObjects.refresh(old, Fields.of("Cache-Control", "max-age=30", "X-A", "2"),
                later, later, TestObjects.POLICY);
        assertThat(decide(fresh, later.plusSeconds(29))).isEqualTo(Action.SERVE);
        assertThat(fresh.headers().first("x-a")).contains("2");
        assertThat(fresh.etag()).contains("\"v1\"");
        assertThat(fresh.body()).isEqualTo(old.body());
    }
}
