package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Range abuse against a stored object: many, overlapping, tiny or repeated ranges never make the edge send more
 * than the object's size plus a small fixed overhead, never reach the origin again, and never change the store.
 * (The origin's own defences are in origin-node's RangeRequestsIT.)
 */
class RangeAbuseIT {
    private static final int SIZE = 1000;
    private static final int OVERHEAD = 256;

    static final List<String> ABUSIVE = List.of(
            "bytes=" + repeat("0-0", 1000),
            "bytes=" + repeat("0-999", 16),
            "bytes=0-999,0-999",
            "bytes=0-,0-",
            "bytes=-1000,-1000",
            "bytes=0-500,100-600,200-700,300-800",
            "bytes=" + IntStream.range(0, 16).mapToObj(i -> (i * 60) + "-" + (i * 60)).collect(Collectors.joining(",")),
            "bytes=" + IntStream.range(0, 17).mapToObj(i -> (i * 50) + "-" + (i * 50)).collect(Collectors.joining(",")),
            "bytes=" + IntStream.range(0, 500).mapToObj(i -> i + "-" + i).collect(Collectors.joining(",")),
            "bytes=" + IntStream.range(0, 8).mapToObj(i -> (i * 100) + "-" + (i * 100 + 1))
                    .collect(Collectors.joining(",")),
            "bytes=900-999,0-99,500-599",
            "bytes=0-0,-1",
            "bytes=0-99999999999999999999",
            "bytes=1-0",
            "bytes=0-1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,2-3",
            "bytes=-0,-0,-0,-0",
            "bytes=0-999, 0-999, 0-999",
            "bytes=0-1,1-2,2-3,3-4");

    @Test
    void noRangeSetMakesTheAnswerLargerThanTheObject() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("x".repeat(SIZE), "max-age=600"));
            assertThat(f.fetch("/big").code()).isEqualTo(200);
            List<String> failures = new ArrayList<>();
            for (String range : ABUSIVE) {
                try (Response r = f.get("/big", "Range", range)) {
                    byte[] body = r.body().bytes();
                    if (body.length > SIZE + OVERHEAD) {
                        failures.add(range.substring(0, Math.min(60, range.length())) + " → " + r.code() + " with "
                                + body.length + " bytes");
                    }
                    if (r.code() != 200 && r.code() != 206 && r.code() != 416) {
                        failures.add(range + " → " + r.code());
                    }
                }
            }
            assertThat(failures).isEmpty();
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
            assertThat(f.edge.store().objects()).singleElement().satisfies(o -> assertThat(o.length()).isEqualTo(SIZE));
        }
    }

    @Test
    void aFewDistantRangesAreStillServedAsMultipart() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("y".repeat(SIZE), "max-age=600"));
            try (Response r = f.get("/mp", "Range", "bytes=0-299,600-899")) {
                assertThat(r.code()).isEqualTo(206);
                assertThat(r.header("Content-Type")).startsWith("multipart/byteranges");
                assertThat(r.body().bytes().length).isLessThanOrEqualTo(SIZE + OVERHEAD);
            }
        }
    }

    private static String repeat(String range, int times) {
        return String.join(",", java.util.Collections.nCopies(times, range));
    }
}
