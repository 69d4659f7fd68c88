package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.FetchPlan;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.PendingFiller;
import dev.outpost.edge.origin.Fill;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.ProxyHeaders;
import dev.outpost.edge.origin.Route;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link Answer#to}: what each client gets, by its role and the fetch's outcome; pure, no sockets. */
class AnswerTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final Route ROUTE = Route.of(DeliveryService.of("svc", List.of("h.test"),
            List.of(URI.create("http://127.0.0.1:9"))));
    private static final OriginFetch.Target MISS = OriginFetch.Target.forCache(ROUTE, "svc/a", "/a", Fields.empty(),
            new ProxyHeaders.Client("10.0.0.1", "http"), Credentials.Use.NONE, Optional.empty());
    private static final CachedObject OBJECT = CachedObjects.create("svc/a", Fields.empty(), 200,
            Fields.of("Cache-Control", "max-age=60"), ByteBuffer.allocate(3), NOW, NOW,
            CachePolicy.from(CacheConfig.DEFAULTS));

    private static FetchOutcome.Filling filling(boolean storable, String variant, String... headers) {
        Fields origin = Fields.of(headers);
        Fill fill = Fill.keeping(3, 10, null, 10);
        return new FetchOutcome.Filling(200, origin, origin, variant, fill, fill.reader().orElseThrow(),
                new FetchPlan.Stream(storable, storable ? Optional.empty() : Optional.of("private"), !storable), NOW,
                NOW, new CompletableFuture<>(), PendingFiller.STARTED);
    }

    private static Answer to(Answer.Role role, OriginFetch.Target t, FetchOutcome outcome) {
        return Answer.to(role, t, outcome, Optional.empty(), Optional.empty());
    }

    @Test
    void theLeaderOfAStoredAnswerServesItSayingItWasStored() {
        Answer a = to(Answer.Role.LEADER, MISS, new FetchOutcome.Stored(OBJECT, false, CacheStore.Admission.STORED));
        assertThat(a).isInstanceOf(Answer.FromStore.class);
        assertThat(((Answer.FromStore) a).status().value()).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
        assertThat(((Answer.FromStore) a).outcome()).isEqualTo(Outcome.MISS);
    }

    @Test
    void anAnswerAPurgeKeptOutSaysSo() {
        Answer a = to(Answer.Role.LEADER, MISS, new FetchOutcome.Stored(OBJECT, false, CacheStore.Admission.REFUSED));
        assertThat(((Answer.FromStore) a).status().value())
                .isEqualTo("Outpost; fwd=miss; fwd-status=200; detail=purged-while-fetching");
    }

    @Test
    void aFollowerOfAStoredAnswerServesItsOwnVariantOrFetchesForItself() {
        FetchOutcome stored = new FetchOutcome.Stored(OBJECT, false, CacheStore.Admission.STORED);
        Answer mine = Answer.to(Answer.Role.FOLLOWER, MISS, stored, Optional.of(OBJECT), Optional.empty());
        assertThat(((Answer.FromStore) mine).status().value())
                .isEqualTo("Outpost; fwd=miss; fwd-status=200; stored; collapsed");
        assertThat(to(Answer.Role.FOLLOWER, MISS, stored)).isEqualTo(new Answer.FetchAlone(false));
    }

    @Test
    void aBodyToBeStoredIsRelayedToTheLeaderAndToFollowersOfTheSameVariant() {
        FetchOutcome.Filling f = filling(true, "", "Content-Length", "3");
        assertThat(to(Answer.Role.LEADER, MISS, f)).isInstanceOf(Answer.FromBody.class);
        Answer follower = to(Answer.Role.FOLLOWER, MISS, f);
        assertThat(follower).isInstanceOf(Answer.FromBody.class);
        assertThat(((Answer.FromBody) follower).withoutSetCookie()).isTrue();
        assertThat(((Answer.FromBody) follower).status().value()).endsWith("stored; collapsed");
    }

    @Test
    void aFollowerOfAnotherVariantFetchesForItself() {
        FetchOutcome.Filling f = filling(true, "accept-language=de\n", "Vary", "Accept-Language");
        OriginFetch.Target english = OriginFetch.Target.forCache(ROUTE, "svc/a", "/a",
                Fields.of("Accept-Language", "en"), MISS.client(), Credentials.Use.NONE, Optional.empty());
        assertThat(to(Answer.Role.FOLLOWER, english, f)).isEqualTo(new Answer.FetchAlone(false));
    }

    @Test
    void anAnswerThatIsNotStoredIsNeverHandedToAFollower() {
        FetchOutcome.Filling f = filling(false, "");
        assertThat(to(Answer.Role.FOLLOWER, MISS, f)).isEqualTo(new Answer.FetchAlone(true));
        assertThat(to(Answer.Role.FOLLOWER, MISS, new FetchOutcome.Uncacheable(200, Fields.empty(),
                ByteBuffer.allocate(1), "private"))).isEqualTo(new Answer.FetchAlone(true));
        Answer leader = to(Answer.Role.LEADER, MISS, f);
        assertThat(((Answer.FromBody) leader).status().value()).isEqualTo("Outpost; fwd=miss; fwd-status=200; "
                + "detail=private");
    }

    @Test
    void stoppedWithoutALengthTheHeadDoesNotClaimStored() {
        Answer leader = to(Answer.Role.LEADER, MISS, filling(true, ""));
        assertThat(((Answer.FromBody) leader).status().value()).isEqualTo("Outpost; fwd=miss; fwd-status=200");
    }

    @Test
    void originTroubleIsAnsweredByTheStaleCopyWhenItMayElseByAnError() {
        FetchOutcome busy = new FetchOutcome.Unreachable(false, true, "full");
        Answer stale = Answer.to(Answer.Role.LEADER, MISS, busy, Optional.empty(), Optional.of(OBJECT));
        assertThat(((Answer.FromStore) stale).outcome()).isEqualTo(Outcome.STALE);
        assertThat(((Answer.FromStore) stale).status().value()).isEqualTo("Outpost; fwd=stale; detail=origin-busy");
        Answer error = to(Answer.Role.LEADER, MISS, busy);
        assertThat(((Answer.Error) error).statusCode()).isEqualTo(503);
        assertThat(((Answer.Error) error).code()).isEqualTo("origin_busy");
        assertThat(((Answer.Error) to(Answer.Role.LEADER, MISS, new FetchOutcome.Unreachable(true, false, "t")))
                .statusCode()).isEqualTo(504);
        assertThat(((Answer.Error) to(Answer.Role.LEADER, MISS, new FetchOutcome.Unreachable(false, false, "r")))
                .statusCode()).isEqualTo(502);
    }

    @Test
    void anOriginWhoseCircuitIsOpenIsAnsweredByTheStaleCopyElseBy503OriginDownNamingNoAddress() {
        FetchOutcome down = new FetchOutcome.Unreachable(false, false, true,
                "every origin of this service is down (circuit open): [http://10.0.0.7:8080]");
        Answer stale = Answer.to(Answer.Role.LEADER, MISS, down, Optional.empty(), Optional.of(OBJECT));
        assertThat(((Answer.FromStore) stale).outcome()).isEqualTo(Outcome.STALE);
        assertThat(((Answer.FromStore) stale).status().value()).isEqualTo("Outpost; fwd=stale; detail=origin-down");
        Answer.Error error = (Answer.Error) to(Answer.Role.LEADER, MISS, down);
        assertThat(error.statusCode()).isEqualTo(503);
        assertThat(error.code()).isEqualTo("origin_down");
        assertThat(error.message()).doesNotContain("10.0.0.7");
        assertThat(error.status().value()).isEqualTo("Outpost; fwd=miss; detail=origin-down");
    }

    @Test
    void aBodyCutShortIsAnAbortedAnswer() {
        assertThat(to(Answer.Role.LEADER, MISS, new FetchOutcome.Truncated("cut"))).isEqualTo(new Answer.Abort());
    }

    @Test
    void aRangeTheFetchDidNotAskForGoesToTheOriginAsItIsWhenTheWholeAnswerIsNotStored() {
        OriginFetch.Target twoRanges = OriginFetch.Target.forCache(ROUTE, "svc/a", "/a",
                Fields.of("Range", "bytes=0-9, 20-29"), MISS.client(), Credentials.Use.NONE, Optional.empty());
        assertThat(to(Answer.Role.LEADER, twoRanges, filling(false, ""))).isEqualTo(new Answer.FetchAlone(true));
        OriginFetch.Target revalidatingWhole = OriginFetch.Target.forCache(ROUTE, "svc/a", "/a",
                Fields.of("Range", "bytes=0-9"), MISS.client(), Credentials.Use.NONE, Optional.of(OBJECT));
        assertThat(to(Answer.Role.LEADER, revalidatingWhole, filling(false, "")))
                .isEqualTo(new Answer.FetchAlone(true));
    }

    @Test
    void theOriginsAnswerToTheClientsOwnRangeIsRelayedEvenWhenItIsNotStored() {
        OriginFetch.Target range = OriginFetch.Target.forCache(ROUTE, "svc/a", "/a", Fields.of("Range", "bytes=0-9"),
                MISS.client(), Credentials.Use.NONE, Optional.empty());
        assertThat(to(Answer.Role.LEADER, range, filling(false, ""))).isInstanceOf(Answer.FromBody.class);
    }
}
