package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Fields;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Partial content (RFC 9111 §3.3, §3.4): a 206 is stored, later ranges it holds are served from it, and a partial
 * object is completed with a Range request for the rest, against an origin that honours Range and If-Range.
 */
class PartialContentIT {
    /** Serves {@code body} with {@code etag}, 206 for one range, the whole when If-Range does not match. */
    private static final class RangeOrigin extends Dispatcher {
        volatile String body = "0123456789";
        volatile String etag = "\"v1\"";
        volatile String cacheControl = "max-age=3600";
        volatile boolean chunked;
        volatile boolean ignoresRange;
        final List<String> ranges = new CopyOnWriteArrayList<>();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String range = request.getHeaders().get("Range");
            String ifRange = request.getHeaders().get("If-Range");
            ranges.add(range == null ? "whole" : range + (ifRange == null ? "" : " if " + ifRange));
            MockResponse.Builder b = new MockResponse.Builder().setHeader("Cache-Control", cacheControl);
            if (etag != null) {
                b.setHeader("ETag", etag);
            }
            if (range == null || ignoresRange || ifRange != null && !ifRange.equals(etag)) {
                return b.code(200).body(body).build();
            }
            String spec = range.substring("bytes=".length());
            int total = body.length();
            int first;
            int last;
            if (spec.startsWith("-")) {
                first = total - Integer.parseInt(spec.substring(1));
                last = total - 1;
            } else {
                String[] ends = spec.split("-", -1);
                first = Integer.parseInt(ends[0]);
                last = ends[1].isEmpty() ? total - 1 : Math.min(total - 1, Integer.parseInt(ends[1]));
            }
            b.code(206).setHeader("Content-Range", "bytes " + first + "-" + last + "/" + total);
            return (chunked ? b.chunkedBody(body.substring(first, last + 1), 2) : b.body(body.substring(first,
                    last + 1))).build();
        }
    }

    private EdgeFixture f;
    private final RangeOrigin origin = new RangeOrigin();

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
        f.origin.setDispatcher(origin);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private CachedObject stored(String path) {
        return f.edge.store().lookup(EdgeFixture.key(path), Fields.empty()).orElseThrow();
    }

    @Test
    void aPartialResponseIsStoredAndLaterRangesItHoldsAreServedFromIt() throws Exception {
        Answer first = f.fetch("/v.mp4", "Range", "bytes=-5");
        assertThat(first.code()).isEqualTo(206);
        assertThat(first.body()).isEqualTo("56789");
        assertThat(first.header("Content-Range")).isEqualTo("bytes 5-9/10");
        assertThat(origin.ranges).containsExactly("bytes=-5"); // the origin was asked for the range, not the whole
        assertThat(stored("/v.mp4").isPartial()).isTrue();

        for (String[] range : new String[][] {{"bytes=-5", "56789"}, {"bytes=6-8", "678"}, {"bytes=7-", "789"},
                {"bytes=-1", "9"}}) {
            Answer hit = f.fetch("/v.mp4", "Range", range[0]);
            assertThat(hit.xCache()).as(range[0]).isEqualTo("HIT");
            assertThat(hit.code()).isEqualTo(206);
            assertThat(hit.body()).as(range[0]).isEqualTo(range[1]);
        }
        assertThat(f.fetch("/v.mp4", "Range", "bytes=20-30").code()).isEqualTo(416);
        assertThat(origin.ranges).hasSize(1);
    }

    @Test
    void aRangeWhosePartialAnswerCannotBeStoredIsAskedOfTheOriginOnce() throws Exception {
        origin.etag = null; // no strong validator: nothing to slice or to join pieces under
        origin.chunked = true; // a piece of unknown length is relayed, never stored
        Answer first = f.fetch("/live.ts", "Range", "bytes=2-4");
        assertThat(first.code()).isEqualTo(206);
        assertThat(first.body()).isEqualTo("234");
        assertThat(first.header("Content-Range")).isEqualTo("bytes 2-4/10");
        assertThat(origin.ranges).containsExactly("bytes=2-4"); // relayed as the origin sent it, not asked again
        assertThat(f.edge.store().lookup(EdgeFixture.key("/live.ts"), Fields.empty())).isEmpty();
    }

    @Test
    void aWholeAnswerToAnAskedRangeThatCannotBeStoredIsRelayedNotAskedAgain() throws Exception {
        origin.ignoresRange = true; // a server may answer any Range with the whole representation
        origin.cacheControl = "no-store";
        Answer first = f.fetch("/dynamic", "Range", "bytes=2-4");
        assertThat(first.code()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("0123456789");
        assertThat(origin.ranges).containsExactly("bytes=2-4");
    }

    @Test
    void aRangeThePiecesDoNotHoldIsFetchedAndJoinsThem() throws Exception {
        f.fetch("/v.mp4", "Range", "bytes=0-2");
        Answer more = f.fetch("/v.mp4", "Range", "bytes=3-5");
        assertThat(more.xCache()).isEqualTo("MISS");
        assertThat(more.body()).isEqualTo("345");
        assertThat(origin.ranges).containsExactly("bytes=0-2", "bytes=3-5 if \"v1\"");
        assertThat(f.fetch("/v.mp4", "Range", "bytes=1-4").body()).isEqualTo("1234"); // across the two pieces
        assertThat(origin.ranges).hasSize(2);
    }

    @Test
    void aPartialObjectIsCompletedWithARangeRequestForTheRest() throws Exception {
        f.fetch("/v.mp4", "Range", "bytes=0-4");
        Answer whole = f.fetch("/v.mp4");
        assertThat(whole.code()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo("0123456789");
        assertThat(origin.ranges).containsExactly("bytes=0-4", "bytes=5-9 if \"v1\"");
        assertThat(stored("/v.mp4").isPartial()).isFalse();
        assertThat(stored("/v.mp4").status()).isEqualTo(200);
        assertThat(f.fetch("/v.mp4").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/v.mp4", "Range", "bytes=2-3").body()).isEqualTo("23");
        assertThat(origin.ranges).hasSize(2);
    }

    @Test
    void partsOfAChangedRepresentationAreNeverMixed() throws Exception {
        f.fetch("/v.mp4", "Range", "bytes=0-4");
        origin.body = "abcdefghij";
        origin.etag = "\"v2\"";
        Answer whole = f.fetch("/v.mp4");
        assertThat(whole.body()).isEqualTo("abcdefghij"); // If-Range did not match: the origin sent it whole
        assertThat(stored("/v.mp4").etag()).contains("\"v2\"");
        assertThat(f.fetch("/v.mp4", "Range", "bytes=0-1").body()).isEqualTo("ab");
    }

    @Test
    void withoutAStrongValidatorTheWholeObjectIsAskedForInstead() throws Exception {
        origin.etag = null;
        f.fetch("/v.mp4", "Range", "bytes=0-4");
        assertThat(f.fetch("/v.mp4").body()).isEqualTo("0123456789");
        assertThat(origin.ranges).containsExactly("bytes=0-4", "whole");
    }

    @Test
    void aPartialObjectAnswersConditionsBeforeRangeAndAHeadWithTheWholeLength() throws Exception {
        f.fetch("/v.mp4", "Range", "bytes=-5");
        Answer notModified = f.fetch("/v.mp4", "Range", "bytes=6-8", "If-None-Match", "\"v1\"");
        assertThat(notModified.code()).isEqualTo(304); // RFC 9110 §13.2.2: preconditions come before Range
        assertThat(notModified.xCache()).isEqualTo("HIT");
        try (okhttp3.Response head = f.call("HEAD", "/v.mp4", null, "Range", "bytes=6-8")) {
            assertThat(head.code()).isEqualTo(200); // a HEAD ignores Range and describes the whole representation
            assertThat(head.header("Content-Length")).isEqualTo("10");
            assertThat(head.header("Content-Range")).isNull();
            assertThat(head.header("X-Cache")).isEqualTo("HIT");
        }
        assertThat(origin.ranges).hasSize(1);
    }

    @Test
    void aHeadWithARangeThatMissesIsAnsweredWithTheWholeLength() throws Exception {
        try (okhttp3.Response head = f.call("HEAD", "/h.mp4", null, "Range", "bytes=2-4")) {
            assertThat(head.code()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("10");
            assertThat(head.header("Content-Range")).isNull();
        }
        assertThat(origin.ranges).containsExactly("bytes=2-4"); // the piece is fetched for the cache all the same
    }
}
