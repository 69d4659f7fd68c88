package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.Fields;
import org.junit.jupiter.api.Test;

/** Whose failure a shield's 5xx is, from its Cache-Status entry as a shield writes it (docs/caching-tiers.md). */
class ShieldAnswerTest {
    private static final CacheStatus MISS = CacheStatus.forwarded(CacheStatus.Fwd.MISS);

    private static String shieldEntry(CacheStatus status) {
        return status.value(CacheStatus.SHIELD_NAME);
    }

    private static ShieldAnswer answer(int status, String... cacheStatusLines) {
        Fields.Builder headers = Fields.builder().add("content-type", "application/json");
        for (String line : cacheStatusLines) {
            headers.add("cache-status", line);
        }
        return ShieldAnswer.of(status, headers.build());
    }

    @Test
    void belowFiveHundredIsTheAnswerWhateverItSays() {
        assertThat(answer(200, shieldEntry(MISS.withFwdStatus(200)))).isEqualTo(ShieldAnswer.ANSWERED);
        assertThat(answer(404)).isEqualTo(ShieldAnswer.ANSWERED);
        assertThat(answer(200, shieldEntry(CacheStatus.forwarded(CacheStatus.Fwd.STALE).withFwdStatus(503))))
                .as("the shield's stale copy answering for a failing origin").isEqualTo(ShieldAnswer.ANSWERED);
    }

    @Test
    void aFiveHundredTheShieldForwardedAndRelaysIsTheOrigins() {
        assertThat(answer(503, shieldEntry(MISS.withFwdStatus(503)))).isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(500, shieldEntry(CacheStatus.forwarded(CacheStatus.Fwd.STALE).withFwdStatus(500))))
                .as("a revalidation's 5xx with no stale-if-error copy").isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(502, shieldEntry(MISS.withFwdStatus(502).asCollapsed())))
                .as("a collapsed follower of the shield's fetch").isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(503, shieldEntry(CacheStatus.hit().withTtl(20))))
                .as("a 5xx the origin made cacheable, stored by the shield").isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(502, shieldEntry(MISS.withFwdStatus(200).withDetail("body-mismatch"))))
                .as("the origin's body disagreed with its headers: it would send this edge the same")
                .isEqualTo(ShieldAnswer.ORIGIN_ERROR);
    }

    @Test
    void theShieldsOwnErrorForAnOriginItCouldNotReachIsOriginUnreachable() {
        for (String detail : new String[] {"origin-unreachable", "origin-timeout", "origin-down", "origin-busy",
                "collapse-timeout"}) {
            assertThat(answer(502, shieldEntry(MISS.withDetail(detail)))).as(detail)
                    .isEqualTo(ShieldAnswer.ORIGIN_UNREACHABLE);
        }
        assertThat(answer(504, "Outpost-shield; fwd=miss; detail=\"origin-timeout\""))
                .as("a detail given as a string").isEqualTo(ShieldAnswer.ORIGIN_UNREACHABLE);
    }

    @Test
    void aFiveHundredWithoutTheShieldsEntryOrWithAnotherDetailIsTheShieldsOwn() {
        assertThat(answer(503)).as("shutting_down: the error-mapping handler writes no Cache-Status")
                .isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(503, shieldEntry(MISS.withDetail("collapse-overflow"))))
                .isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(502, shieldEntry(MISS.withDetail("leader-failed")))).isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(503, shieldEntry(MISS.withFwdStatus(200))))
                .as("a status the origin did not answer").isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(503, "Outpost; fwd=miss; fwd-status=503"))
                .as("a plain edge's entry, not a shield's").isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(503, "outpost-shield; fwd=miss; fwd-status=503"))
                .as("tokens are case-sensitive").isEqualTo(ShieldAnswer.SHIELD_ERROR);
    }

    @Test
    void onlyTheLastEntryNamesTheShieldAndTheOnesBeforeItMayBeAnything() {
        assertThat(answer(503, "Outpost-shield; fwd=miss; fwd-status=503, LoadBalancer; fwd=uri-miss"))
                .as("a proxy in front of the shield answered").isEqualTo(ShieldAnswer.SHIELD_ERROR);
        assertThat(answer(503, "OriginCache; detail=\"a, b; c\"; fwd=miss, Outpost-shield; fwd=miss; fwd-status=503"))
                .as("a comma inside an upstream's quoted detail").isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(503, "not a [structured] field", "Outpost-shield; fwd=miss; fwd-status=503"))
                .as("an unparsable upstream entry on another field line").isEqualTo(ShieldAnswer.ORIGIN_ERROR);
        assertThat(answer(503, "Outpost-shield; fwd=miss; fwd-status=503; ???"))
                .as("an unparsable shield entry names no shield").isEqualTo(ShieldAnswer.SHIELD_ERROR);
    }
}
