package dev.outpost.control.services;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.service.CacheKeyRules;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.service.RequestHeaderRules;
import dev.outpost.common.service.SigningConfig;
import dev.outpost.common.service.SigningKey;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which service changes purge what, soft or hard (docs/services.md, "What a change purges"). */
class ChangeRulesTest {
    private static final DeliveryService SITE = DeliveryService.of("site", List.of("www.example.com",
            "cdn.example.com"), List.of(URI.create("http://origin-a.example.net")));

    private static Optional<PurgePlan> change(DeliveryService after) {
        return ChangeRules.purgeFor(Optional.of(SITE), Optional.of(after));
    }

    @Test
    void aNewOriginRevalidatesEveryHostOfTheService() {
        DeliveryService moved = DeliveryService.of("site", SITE.hosts(), List.of(URI.create("http://origin-b.example.net")));

        assertThat(change(moved)).contains(new PurgePlan(SITE.hosts(), true, List.of("origins")));
    }

    @Test
    void newCacheKeyRulesOrHeaderPolicyRemoveWhatIsStored() {
        assertThat(change(SITE.withCacheKey(new CacheKeyRules(List.of(), false))))
                .contains(new PurgePlan(SITE.hosts(), false, List.of("cacheKey")));
        assertThat(change(SITE.withRequestHeaders(new RequestHeaderRules("all", List.of("x-debug"), null))))
                .contains(new PurgePlan(SITE.hosts(), false, List.of("requestHeaders")));
    }

    @Test
    void turningSharingOffPurgesHardAndTurningItOnPurgesNothing() {
        DeliveryService sharing = SITE.withCacheSetCookie(true).withShareCredentialed(true);

        assertThat(change(sharing)).isEmpty();
        assertThat(ChangeRules.purgeFor(Optional.of(sharing), Optional.of(SITE)))
                .contains(new PurgePlan(SITE.hosts(), false, List.of("cacheSetCookie", "shareCredentialed")));
    }

    @Test
    void removedHostsAndADeletionPurgeHardAndAddedHostsOrSigningNothing() {
        DeliveryService fewer = DeliveryService.of("site", List.of("www.example.com"), SITE.origins());
        DeliveryService more = DeliveryService.of("site", List.of("www.example.com", "cdn.example.com",
                "img.example.com"), SITE.origins());

        assertThat(change(fewer)).contains(new PurgePlan(List.of("cdn.example.com"), false,
                List.of("hosts removed [cdn.example.com]")));
        assertThat(ChangeRules.purgeFor(Optional.of(SITE), Optional.empty()))
                .contains(new PurgePlan(SITE.hosts(), false, List.of("service deleted")));
        assertThat(change(more)).isEmpty();
        assertThat(change(SITE.withSigning(SigningConfig.required(List.of(SigningKey.of("k".repeat(32)))))))
                .isEmpty();
        assertThat(ChangeRules.purgeFor(Optional.empty(), Optional.of(SITE))).isEmpty();
    }

    @Test
    void anOriginChangeTogetherWithAHardReasonIsHard() {
        DeliveryService both = DeliveryService.of("site", List.of("www.example.com"),
                List.of(URI.create("http://origin-b.example.net")));

        assertThat(change(both)).contains(new PurgePlan(SITE.hosts(), false,
                List.of("origins", "hosts removed [cdn.example.com]")));
    }

    @Test
    void entityTagListsMatchByStrongComparison() {
        assertThat(ServiceChanges.matches("\"7\"", "\"7\"")).isTrue();
        assertThat(ServiceChanges.matches("\"6\", \"7\"", "\"7\"")).isTrue();
        assertThat(ServiceChanges.matches("*", "\"7\"")).isTrue();
        assertThat(ServiceChanges.matches("W/\"7\"", "\"7\"")).isFalse();
        assertThat(ServiceChanges.matches("\"6\"", "\"7\"")).isFalse();
    }
}
