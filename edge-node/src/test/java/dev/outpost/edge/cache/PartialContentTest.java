package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ranges.ByteRange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PartialContentTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");

    private CachedObject piece(String contentRange, String bytes, String... headers) {
        Fields.Builder b = Fields.builder().add("Cache-Control", "max-age=60");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return CachedObjects.createPartial("svc/v", Fields.empty(), b.build(),
                Partial.ContentRange.parse(contentRange).orElseThrow(),
                ByteBuffer.wrap(bytes.getBytes(StandardCharsets.US_ASCII)), t0, t0, TestObjects.POLICY,
                Credentials.Use.NONE);
    }

    @Test
    void onlyASingleRangeWithAKnownLengthIsAPiece() {
        assertThat(Partial.ContentRange.parse("bytes 4-9/10")).contains(new Partial.ContentRange(4, 9, 10));
        for (String odd : new String[] {"bytes 4-9/*", "bytes */10", "bytes 9-4/10", "bytes 4-10/10", "items 1-2/3",
                "bytes=4-9/10", ""}) {
            assertThat(Partial.ContentRange.parse(odd)).as(odd).isEmpty();
        }
    }

    @Test
    void aPartialAnswersOnlyASingleRangeItHolds() {
        CachedObject p = piece("bytes 4-9/10", "456789", "ETag", "\"v1\"");
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=5-7"))).isTrue();
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=-3"))).isTrue();
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=50-60"))).isTrue(); // 416, length known
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=2-5"))).isFalse();
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=4-5,7-8"))).isFalse();
        assertThat(PartialContent.answers(p, Fields.empty())).isFalse();
        assertThat(PartialContent.answers(p, Fields.of("Range", "bytes=5-7", "If-Range", "\"v0\""))).isFalse();
        assertThat(PartialContent.answers(TestObjects.stored(t0, "Cache-Control", "max-age=60"), Fields.empty()))
                .isTrue();
    }

    @Test
    void theRangeAskedIsTheClientsOrTheOneGapOfAPartialWithAStrongValidator() {
        CachedObject head = piece("bytes 0-4/10", "01234", "ETag", "\"v1\"");
        assertThat(PartialContent.rangeToAsk(Optional.empty(), Fields.of("Range", "bytes=-5"), 100))
                .contains("bytes=-5");
        assertThat(PartialContent.rangeToAsk(Optional.empty(), Fields.of("Range", "bytes=0-1,4-5"), 100)).isEmpty();
        assertThat(PartialContent.rangeToAsk(Optional.of(head), Fields.empty(), 100)).contains("bytes=5-9");
        assertThat(PartialContent.ifRange(Optional.of(head))).contains("\"v1\"");
        assertThat(PartialContent.rangeToAsk(Optional.of(head), Fields.empty(), 5)).isEmpty(); // never completed
        CachedObject weak = piece("bytes 0-4/10", "01234", "ETag", "W/\"v1\"");
        assertThat(PartialContent.rangeToAsk(Optional.of(weak), Fields.empty(), 100)).isEmpty();
        CachedObject whole = TestObjects.stored(t0, "Cache-Control", "max-age=60");
        assertThat(PartialContent.rangeToAsk(Optional.of(whole), Fields.of("Range", "bytes=0-1"), 100)).isEmpty();
    }

    @Test
    void piecesWithTheSameStrongValidatorCombineAndBecomeWholeWhenComplete() {
        CachedObject head = piece("bytes 0-4/10", "01234", "ETag", "\"v1\"");
        CachedObject middle = piece("bytes 3-6/10", "3456", "ETag", "\"v1\"");
        CachedObject joined = CachedObjects.combine(Optional.of(head), middle);
        assertThat(joined.partial().pieces()).hasSize(1);
        assertThat(joined.partial().onlyGap()).contains(new ByteRange(7, 9));
        CachedObject whole = CachedObjects.combine(Optional.of(joined), piece("bytes 7-9/10", "789", "ETag", "\"v1\""));
        assertThat(whole.isPartial()).isFalse();
        assertThat(whole.status()).isEqualTo(200);
        assertThat(StandardCharsets.US_ASCII.decode(whole.body()).toString()).isEqualTo("0123456789");
        assertThat(whole.headers().has("content-range")).isFalse();
    }

    @Test
    void piecesOfDifferentVersionsNeverCombine() {
        CachedObject v1 = piece("bytes 0-4/10", "01234", "ETag", "\"v1\"");
        CachedObject v2 = piece("bytes 5-9/10", "fghij", "ETag", "\"v2\"");
        assertThat(CachedObjects.combine(Optional.of(v1), v2)).isSameAs(v2);
        CachedObject unvalidated = piece("bytes 5-9/10", "56789");
        assertThat(CachedObjects.combine(Optional.of(piece("bytes 0-4/10", "01234")), unvalidated))
                .isSameAs(unvalidated);
    }
}
