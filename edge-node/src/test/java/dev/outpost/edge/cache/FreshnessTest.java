package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.config.CacheConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreshnessTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-10T12:00:00Z"), ZoneOffset.UTC);
    private final Instant now = clock.instant();
    private final CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);

    private Duration lifetime(int status, String... headers) {
        return Freshness.lifetime(status, Fields.of(headers), now, policy);
    }

    @Test
    void cdnCacheControlWinsOverEverything() {
        assertThat(lifetime(200, "CDN-Cache-Control", "max-age=500", "Surrogate-Control", "max-age=400",
                "Cache-Control", "s-maxage=300, max-age=200")).isEqualTo(Duration.ofSeconds(500));
    }

    @Test
    void surrogateControlWinsOverCacheControl() {
        assertThat(lifetime(200, "Surrogate-Control", "max-age=400", "Cache-Control", "s-maxage=300"))
                .isEqualTo(Duration.ofSeconds(400));
    }

    @Test
    void sMaxAgeWinsOverMaxAge() {
        assertThat(lifetime(200, "Cache-Control", "max-age=200, s-maxage=300")).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void maxAgeWinsOverExpires() {
        assertThat(lifetime(200, "Cache-Control", "max-age=200", "Date", HttpDates.format(now),
                "Expires", HttpDates.format(now.plusSeconds(900)))).isEqualTo(Duration.ofSeconds(200));
    }

    @Test
    void expiresCountsFromDate() {
        assertThat(lifetime(200, "Date", HttpDates.format(now), "Expires", HttpDates.format(now.plusSeconds(90))))
                .isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void expiresWithoutDateCountsFromTheResponseTime() {
        assertThat(lifetime(200, "Expires", HttpDates.format(now.plusSeconds(30)))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void invalidExpiresMeansAlreadyExpired() {
        assertThat(lifetime(200, "Date", HttpDates.format(now), "Expires", "0")).isZero();
    }

    @Test
    void heuristicIsTenPercentOfLastModifiedAge() {
        assertThat(lifetime(200, "Date", HttpDates.format(now), "Last-Modified",
                HttpDates.format(now.minus(Duration.ofHours(10))))).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void heuristicIsCapped() {
        assertThat(lifetime(200, "Last-Modified", HttpDates.format(now.minus(Duration.ofDays(365)))))
                .isEqualTo(Duration.ofDays(1));
    }

    @Test
    void heuristicOnlyForHeuristicallyCacheableStatuses() {
        assertThat(lifetime(302, "Last-Modified", HttpDates.format(now.minus(Duration.ofHours(10))))).isZero();
    }

    @Test
    void notFoundWithoutExplicitFreshnessGetsNegativeTtl() {
        assertThat(lifetime(404)).isEqualTo(Duration.ofSeconds(10));
        assertThat(lifetime(410, "Cache-Control", "max-age=3")).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void upstreamAgeIsHonouredInInitialAge() {
        Duration age = Freshness.initialAge(Fields.of("Age", "100", "Date", HttpDates.format(now)),
                now.minusSeconds(2), now);
        assertThat(age).isEqualTo(Duration.ofSeconds(102)); // age_value + response_delay
    }

    @Test
    void apparentAgeFromDateWinsWhenLarger() {
        Duration age = Freshness.initialAge(Fields.of("Date", HttpDates.format(now.minusSeconds(50))), now, now);
        assertThat(age).isEqualTo(Duration.ofSeconds(50));
    }

    @Test
    void currentAgeAddsResidentTime() {
        CachedObject o = TestObjects.stored(now, "Cache-Control", "max-age=60", "Age", "10");
        assertThat(o.age(now.plusSeconds(5))).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.isFresh(now.plusSeconds(49))).isTrue();
        assertThat(o.isFresh(now.plusSeconds(50))).isFalse();
    }

    @Test
    void onlyTheFirstMemberOfAnAgeListCounts() {
        assertThat(Freshness.ageValue(List.of("7200, 0"))).isEqualTo(7200);
        assertThat(Freshness.ageValue(List.of("0,7200"))).isZero();
        assertThat(Freshness.ageValue(List.of("7200", "0"))).isEqualTo(7200);
        assertThat(Freshness.ageValue(List.of("0", "7200"))).isZero();
        assertThat(Freshness.ageValue(List.of("3600", "3600"))).isEqualTo(3600);
        assertThat(Freshness.ageValue(List.of(" 30 "))).isEqualTo(30);
        assertThat(Freshness.ageValue(List.of())).isZero();
        assertThat(Freshness.ageValue(List.of("99999999999"))).isEqualTo(2_147_483_648L);
        assertThat(storedWithAge("7200, 0").isFresh(now)).isFalse();
        assertThat(storedWithAge("0", "7200").isFresh(now)).isTrue();
    }

    @Test
    void anAgeWhoseFirstMemberIsNotANonNegativeIntegerIsIgnoredLikeAnAbsentOne() {
        for (String age : List.of("-7200", "7200.0", "abc", "", "7200;foo=bar")) {
            assertThat(Freshness.ageValue(List.of(age))).as(age).isZero();
            assertThat(storedWithAge(age).isFresh(now)).as(age).isTrue();
        }
        // ignored, not trusted: Date still dates the response
        Fields datedAnHourAgo = Fields.of("Cache-Control", "max-age=600", "Age", "abc",
                "Date", HttpDates.format(now.minusSeconds(3600)));
        assertThat(Freshness.initialAge(datedAnHourAgo, now, now)).isEqualTo(Duration.ofHours(1));
    }

    private CachedObject storedWithAge(String... ageLines) {
        Fields.Builder b = Fields.builder().add("Cache-Control", "max-age=3600");
        for (String line : ageLines) {
            b.add("Age", line);
        }
        return CachedObjects.create("k/a", Fields.empty(), 200, b.build(), java.nio.ByteBuffer.allocate(1), now, now,
                policy);
    }

    @Test
    void anExpiresWithDayMonthOrZoneInAnyCaseStillGivesFreshness() {
        String date = HttpDates.format(now);
        for (String expires : List.of("SAT, 10 Jan 2026 13:00:00 GMT", "Sat, 10 JAN 2026 13:00:00 GMT",
                "Sat, 10 Jan 2026 13:00:00 gmt")) {
            assertThat(lifetime(200, "Date", date, "Expires", expires)).as(expires).isEqualTo(Duration.ofHours(1));
        }
    }

    @Test
    void aValidCdnCacheControlReplacesCacheControlAndExpires() {
        String date = HttpDates.format(now);
        assertThat(lifetime(200, "CDN-Cache-Control", "max-age=3600", "Cache-Control", "no-store", "Expires",
                "Thu, 01 Jan 1970 00:00:00 GMT", "Date", date)).isEqualTo(Duration.ofHours(1));
        // a targeted field without max-age leaves no freshness: Expires is for other caches
        assertThat(Freshness.explicitLifetime(Fields.of("CDN-Cache-Control", "public", "Expires",
                "Sat, 10 Jan 2026 13:00:00 GMT", "Date", date), now)).isEmpty();
        assertThat(Freshness.directives(Fields.of("CDN-Cache-Control", "private", "Cache-Control", "max-age=600"))
                .isPrivate()).isTrue();
    }

    @Test
    void anInvalidCdnCacheControlIsIgnoredAsAWholeSoCacheControlGoverns() {
        assertThat(Freshness.directives(Fields.of("CDN-Cache-Control", "max-age=\"10000\"", "Cache-Control",
                "no-store")).noStore()).isTrue();
        assertThat(lifetime(200, "CDN-Cache-Control", "max-age =100", "Cache-Control", "max-age=1"))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void heuristicFreshnessAppliesToHeuristicStatusesAndToResponsesMarkedPublic() {
        String date = HttpDates.format(now);
        String lastModified = HttpDates.format(now.minus(Duration.ofDays(1)));
        assertThat(lifetime(501, "Date", date, "Last-Modified", lastModified)).isEqualTo(Duration.ofMinutes(144));
        assertThat(lifetime(599, "Date", date, "Last-Modified", lastModified, "Cache-Control", "public"))
                .isEqualTo(Duration.ofMinutes(144));
        assertThat(lifetime(502, "Date", date, "Last-Modified", lastModified)).isZero();
        assertThat(lifetime(403, "Date", date, "Last-Modified", lastModified)).isZero();
    }
}
