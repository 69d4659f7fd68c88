package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.assets.BearerAuth.Verdict;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BearerAuthTest {
    private final BearerAuth auth = new BearerAuth(Optional.of("s3cret-token"));

    @Test
    void theConfiguredTokenIsAllowed() {
        assertThat(auth.check(Optional.of("Bearer s3cret-token"))).isEqualTo(Verdict.ALLOWED);
        assertThat(auth.check(Optional.of("bearer   s3cret-token "))).isEqualTo(Verdict.ALLOWED);
    }

    @Test
    void anotherWellFormedTokenIsWrong() {
        assertThat(auth.check(Optional.of("Bearer s3cret-tokem"))).isEqualTo(Verdict.WRONG);
        assertThat(auth.check(Optional.of("Bearer s3cret-token-and-more"))).isEqualTo(Verdict.WRONG);
        assertThat(auth.check(Optional.of("Bearer s3cret"))).isEqualTo(Verdict.WRONG);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "s3cret-token", "Bearer a b",
            "Bearer tok\u00e9n", "Bearer =abc", "Token s3cret-token"})
    void malformedOrOtherSchemesCountAsMissing(String header) {
        assertThat(auth.check(Optional.of(header))).isEqualTo(Verdict.MISSING);
    }

    @Test
    void noHeaderIsMissing() {
        assertThat(auth.check(Optional.empty())).isEqualTo(Verdict.MISSING);
    }

    @Test
    void withoutAConfiguredTokenTheApiIsDisabledForEveryone() {
        BearerAuth disabled = new BearerAuth(Optional.empty());
        assertThat(disabled.check(Optional.of("Bearer s3cret-token"))).isEqualTo(Verdict.DISABLED);
        assertThat(disabled.check(Optional.empty())).isEqualTo(Verdict.DISABLED);
    }
}
