package dev.outpost.common.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TraceContextTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";
    private static final String VALID = "00-" + TRACE + "-" + PARENT + "-01";

    @Test
    void aValidTraceparentIsContinuedWithANewSpanOfThisNode() {
        TraceContext c = TraceContext.receive(List.of(VALID), List.of());
        assertThat(c.traceId()).isEqualTo(TRACE);
        assertThat(c.parentSpanId()).contains(PARENT);
        assertThat(c.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT).isNotEqualTo("0000000000000000");
        assertThat(c.flags()).isEqualTo("01");
        assertThat(c.traceparent()).isEqualTo("00-" + TRACE + "-" + c.spanId() + "-01");
    }

    @Test
    void theCallersSampledFlagIsKeptAndUndefinedFlagsAreNot() {
        assertThat(TraceContext.receive(List.of("00-" + TRACE + "-" + PARENT + "-00"), List.of()).flags())
                .isEqualTo("00");
        assertThat(TraceContext.receive(List.of("00-" + TRACE + "-" + PARENT + "-03"), List.of()).flags())
                .isEqualTo("01");
        assertThat(TraceContext.receive(List.of("00-" + TRACE + "-" + PARENT + "-fe"), List.of()).flags())
                .isEqualTo("00");
    }

    @Test
    void everyMalformedTraceparentIsRefused() {
        List<String> invalid = List.of("", "00", VALID.toUpperCase(),
                "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01",
                "ff-" + TRACE + "-" + PARENT + "-01", "0-" + TRACE + "-" + PARENT + "-01",
                "00-00000000000000000000000000000000-" + PARENT + "-01", "00-" + TRACE + "-0000000000000000-01",
                "00-" + TRACE + "-" + PARENT + "-01-", "00-" + TRACE + "-" + PARENT + "-010",
                "00-" + TRACE.substring(2) + "-" + PARENT + "-01", "00-" + TRACE + "-" + PARENT.substring(1) + "-01",
                "00_" + TRACE + "_" + PARENT + "_01", "00-" + TRACE + "-" + PARENT + "-0g",
                "0g-" + TRACE + "-" + PARENT + "-01", "00-" + TRACE.replace('4', 'x') + "-" + PARENT + "-01",
                "cc-" + TRACE + "-" + PARENT + "-01.more");
        for (String value : invalid) {
            assertThat(TraceContext.parseTraceparent(value)).as(value).isEmpty();
        }
    }

    @Test
    void aHigherVersionIsReadForItsFirstFourFields() {
        assertThat(TraceContext.parseTraceparent("cc-" + TRACE + "-" + PARENT + "-01-whatever"))
                .contains(new TraceContext.Parent(TRACE, PARENT, "01"));
        assertThat(TraceContext.parseTraceparent("01-" + TRACE + "-" + PARENT + "-03"))
                .contains(new TraceContext.Parent(TRACE, PARENT, "01")); // only the sampled bit is sent on
    }

    @Test
    void anInvalidOrRepeatedTraceparentStartsANewTraceAndDropsTracestate() {
        for (List<String> lines : List.of(List.of("00-bad"), List.of(VALID, VALID), List.<String>of())) {
            TraceContext c = TraceContext.receive(lines, List.of("vendor=abc"));
            assertThat(c.traceId()).as(lines.toString()).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
            assertThat(c.parentSpanId()).isEmpty();
            assertThat(c.traceState()).isEmpty();
            assertThat(c.flags()).isEqualTo("01");
        }
    }

    @Test
    void newIdsDiffer() {
        assertThat(TraceContext.start().traceId()).isNotEqualTo(TraceContext.start().traceId());
        assertThat(TraceContext.start().spanId()).isNotEqualTo(TraceContext.start().spanId());
    }

    @Test
    void aValidTracestateIsCombinedFromItsLinesAndKept() {
        assertThat(TraceContext.parseTraceState(List.of("rojo=00f067aa0ba902b7, ,congo=t61rcWkgMzE",
                "tenant1@vendor=a b-c")))
                .contains("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,tenant1@vendor=a b-c");
    }

    @Test
    void aTracestateWithAnyBadMemberIsDroppedWhole() {
        List<String> invalid = List.of("Rojo=1", "rojo", "=1", "rojo=", "rojo=a,rojo=b",
                "rojo=a=b", "1abc=x", "a@B=x", "rojo=\u00e9");
        for (String value : invalid) {
            assertThat(TraceContext.parseTraceState(List.of(value))).as(value).isEmpty();
        }
        StringBuilder tooMany = new StringBuilder();
        for (int i = 0; i < 33; i++) {
            tooMany.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
        }
        assertThat(TraceContext.parseTraceState(List.of(tooMany.toString()))).isEmpty();
        assertThat(TraceContext.parseTraceState(List.of())).isEqualTo(Optional.empty());
    }
}
