package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CacheabilityTest {
    private static Optional<String> verdict(int status, String... headers) {
        return Cacheability.whyNotStorable("GET", Credentials.Use.NONE, status, Fields.of(headers), false);
    }

    @Test
    void responseWithMaxAgeIsStorable() {
        assertThat(verdict(200, "Cache-Control", "max-age=60")).isEmpty();
    }

    @Test
    void noStoreIsNotStored() {
        assertThat(verdict(200, "Cache-Control", "max-age=60, no-store")).contains("no-store");
    }

    @Test
    void mustUnderstandLiftsNoStoreForAStatusWhoseCachingRulesTheEdgeFollows() {
        for (int status : new int[] {200, 301, 404, 410}) {
            assertThat(verdict(status, "Cache-Control", "max-age=3600, no-store, must-understand")).as("%d", status)
                    .isEmpty();
        }
    }

    @Test
    void mustUnderstandKeepsAnUnknownStatusOutOfTheStoreWithOrWithoutNoStore() {
        assertThat(verdict(599, "Cache-Control", "max-age=3600, no-store, must-understand"))
                .contains("must-understand");
        assertThat(verdict(599, "Cache-Control", "max-age=3600, must-understand")).contains("must-understand");
        assertThat(verdict(599, "Cache-Control", "max-age=3600")).isEmpty(); // explicit freshness, no demand
    }

    @Test
    void mustUnderstandDoesNotLiftPrivate() {
        assertThat(verdict(200, "Cache-Control", "max-age=3600, private, must-understand")).contains("private");
    }

    @Test
    void privateIsNotStored() {
        assertThat(verdict(200, "Cache-Control", "private, max-age=60")).contains("private");
    }

    @Test
    void setCookieIsNotStoredUnlessTheServiceAllowsIt() {
        Fields headers = Fields.of("Cache-Control", "max-age=60", "Set-Cookie", "s=1");
        assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.NONE, 200, headers, false)).contains("set-cookie");
        assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.NONE, 200, headers, true)).isEmpty();
    }

    @Test
    void varyStarIsNotStored() {
        assertThat(verdict(200, "Cache-Control", "max-age=60", "Vary", "Accept, *")).contains("vary-star");
    }

    @Test
    void anAnswerToARequestWithCredentialsIsStoredOnlyWhenMarkedShareable() {
        for (String cc : new String[] {"max-age=60", "max-age=60, must-revalidate"}) {
            assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.PRIVATE, 200,
                    Fields.of("Cache-Control", cc), false)).as(cc).contains("credentials");
        }
        for (String cc : new String[] {"public, max-age=60", "s-maxage=60"}) {
            assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.PRIVATE, 200,
                    Fields.of("Cache-Control", cc), false)).as(cc).isEmpty();
        }
        assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.PRIVATE, 200,
                Fields.of("Cache-Control", "max-age=60", "CDN-Cache-Control", "public, max-age=60"), false))
                .isEmpty();
    }

    @Test
    void aServiceThatSharesCredentialedAnswersStoresThemByTheOrdinaryRules() {
        assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.SHARED, 200,
                Fields.of("Cache-Control", "max-age=60"), false)).isEmpty();
        assertThat(Cacheability.whyNotStorable("GET", Credentials.Use.SHARED, 200,
                Fields.of("Cache-Control", "private, max-age=60"), false)).contains("private");
    }

    @Test
    void onlyGetIsStored() {
        assertThat(Cacheability.whyNotStorable("POST", Credentials.Use.NONE, 200, Fields.of("Cache-Control", "max-age=60"), false))
                .contains("method");
    }

    @Test
    void explicitFreshnessMakesAnyStatusStorableServerErrorsIncluded() {
        for (int status : new int[] {200, 203, 299, 302, 303, 307, 400, 499, 500, 502, 503, 504, 599}) {
            assertThat(verdict(status, "Cache-Control", "max-age=60")).as("%d", status).isEmpty();
        }
        for (int status : new int[] {201, 202, 403, 500, 502, 503, 504, 599}) {
            assertThat(verdict(status, "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT")).as("%d", status)
                    .contains("status");
        }
        assertThat(verdict(501, "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT")).isEmpty();
        assertThat(verdict(599, "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT", "Cache-Control", "public"))
                .isEmpty();
    }

    @Test
    void partialContentAndInterimResponsesAreNeverStoredAsWholeObjects() {
        assertThat(verdict(206, "Cache-Control", "max-age=60")).contains("status");
        assertThat(verdict(103, "Cache-Control", "max-age=60")).contains("status");
    }

    @Test
    void nonHeuristicStatusNeedsExplicitFreshness() {
        assertThat(verdict(302, "Location", "/x")).contains("status");
        assertThat(verdict(302, "Location", "/x", "Cache-Control", "max-age=60")).isEmpty();
    }

    @Test
    void heuristicallyCacheableWithLastModifiedIsStored() {
        assertThat(verdict(200, "Last-Modified", "Mon, 05 Jan 2026 10:00:00 GMT")).isEmpty();
        assertThat(verdict(301, "Location", "/y", "Last-Modified", "Mon, 05 Jan 2026 10:00:00 GMT")).isEmpty();
    }

    @Test
    void responseWithoutFreshnessOrValidatorsIsNotStored() {
        assertThat(verdict(200)).contains("no-freshness");
    }

    @Test
    void notFoundIsStoredForNegativeCaching() {
        assertThat(verdict(404)).isEmpty();
        assertThat(verdict(410)).isEmpty();
    }

    @Test
    void cdnCacheControlNoStoreIsHonoured() {
        assertThat(verdict(200, "CDN-Cache-Control", "no-store", "Cache-Control", "max-age=60")).contains("no-store");
    }
}
