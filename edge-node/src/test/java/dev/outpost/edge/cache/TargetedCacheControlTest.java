package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.CacheControl;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CDN-Cache-Control as an RFC 8941 dictionary (RFC 9213 §2.1). */
class TargetedCacheControlTest {
    private static CacheControl valid(String... lines) {
        return TargetedCacheControl.parse(List.of(lines)).orElseThrow(() -> new AssertionError("ignored: "
                + List.of(lines)));
    }

    @Test
    void aValidDictionaryGivesItsDirectives() {
        CacheControl cc = valid("max-age=3600, stale-if-error=60", "public");
        assertThat(cc.maxAge()).hasValue(3600);
        assertThat(cc.staleIfError()).hasValue(60);
        assertThat(cc.isPublic()).isTrue();
        assertThat(valid("foobar, max-age=60").maxAge()).hasValue(60); // extensions are skipped
        assertThat(valid("no-cache=\"set-cookie\"").fieldNames("no-cache")).containsExactly("set-cookie");
        assertThat(valid("private, no-store=?0").noStore()).isFalse(); // ?0 is the flag's absence
    }

    @Test
    void deltaSecondsBeyondTwoToThe31AreTwoToThe31() {
        assertThat(valid("max-age=99999999999").maxAge()).hasValue(CacheControl.MAX_DELTA_SECONDS);
    }

    @Test
    void anInvalidFieldIsIgnoredAsAWhole() {
        for (String field : List.of("max-age=10000, &&&&&", "max-age=\"10000\"", "max-age =100", "max-age= 100",
                "MaX-aGe=3600", "max-age=60.0", "max-age=-1", "private=1", "no-store=\"yes\"", "max-age=60,")) {
            assertThat(TargetedCacheControl.parse(List.of(field))).as(field).isEmpty();
        }
        assertThat(TargetedCacheControl.parse(List.of())).isEmpty();
    }
}
