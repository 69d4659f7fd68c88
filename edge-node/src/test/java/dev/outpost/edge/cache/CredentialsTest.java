package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.service.RequestHeaderRules;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialsTest {
    private static final RequestHeaderRules ALL = RequestHeaderRules.DEFAULTS;

    @Test
    void aCookieOrAnAuthorizationThatGoesUpstreamMakesTheRequestCredentialed() {
        assertThat(Credentials.of(Fields.of("Accept", "*/*"), ALL, false)).isEqualTo(Credentials.Use.NONE);
        assertThat(Credentials.of(Fields.of("Cookie", "s=1"), ALL, false)).isEqualTo(Credentials.Use.PRIVATE);
        assertThat(Credentials.of(Fields.of("Authorization", "Bearer t"), ALL, false))
                .isEqualTo(Credentials.Use.PRIVATE);
        assertThat(Credentials.of(Fields.of("Cookie", "s=1"), ALL, true)).isEqualTo(Credentials.Use.SHARED);
    }

    @Test
    void aCredentialTheServiceWithholdsDoesNotCount() {
        RequestHeaderRules dropCookie = new RequestHeaderRules("all", List.of("cookie"), null);
        assertThat(Credentials.of(Fields.of("Cookie", "s=1"), dropCookie, false)).isEqualTo(Credentials.Use.NONE);
        RequestHeaderRules listed = new RequestHeaderRules("listed", null, null);
        assertThat(Credentials.of(Fields.of("Cookie", "s=1"), listed, false)).isEqualTo(Credentials.Use.NONE);
        assertThat(Credentials.of(Fields.of("Authorization", "Bearer t"), listed, false))
                .isEqualTo(Credentials.Use.PRIVATE);
        RequestHeaderRules listedCookie = new RequestHeaderRules("listed", null, List.of("Cookie"));
        assertThat(Credentials.of(Fields.of("Cookie", "s=1"), listedCookie, false))
                .isEqualTo(Credentials.Use.PRIVATE);
    }

    @Test
    void onlyAStoredResponseMarkedShareableAnswersARequestWithCredentials() {
        CachedObject anonymousOnly = TestObjects.stored(Instant.EPOCH, "Cache-Control", "max-age=60");
        CachedObject marked = TestObjects.stored(Instant.EPOCH, "Cache-Control", "public, max-age=60");
        CachedObject sMaxAge = TestObjects.stored(Instant.EPOCH, "Cache-Control", "s-maxage=60");
        assertThat(Credentials.mayAnswer(anonymousOnly, Credentials.Use.PRIVATE)).isFalse();
        assertThat(Credentials.mayAnswer(marked, Credentials.Use.PRIVATE)).isTrue();
        assertThat(Credentials.mayAnswer(sMaxAge, Credentials.Use.PRIVATE)).isTrue();
        assertThat(Credentials.mayAnswer(anonymousOnly, Credentials.Use.NONE)).isTrue();
        assertThat(Credentials.mayAnswer(anonymousOnly, Credentials.Use.SHARED)).isTrue();
    }
}
