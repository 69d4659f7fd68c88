package dev.outpost.control.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.testkit.ManualClock;
import java.net.URI;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service tables in the log's own file: a version and its log entries commit together or not at all, and the
 * configuration as of any sequence comes from the history.
 */
class ServiceStoreTest {
    private static final DeliveryService SITE = DeliveryService.of("site", List.of("www.example.com"),
            List.of(URI.create("http://origin.example.net")));

    @TempDir
    Path data;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    private void write(InvalidationLog log, ServiceStore store, long version, DeliveryService service) {
        log.appendAll(List.of(NewEntry.config(new ServiceChange(service.name(), version, service))), Map.of(), "t",
                store.insert(version, service.name(), Optional.of(Json.mapper().writeValueAsString(service)),
                        clock.instant(), "t", "changed", Optional.empty()));
    }

    @Test
    void aVersionThatCannotBeWrittenLeavesNoEntryInTheLog() {
        try (InvalidationLog log = InvalidationLog.open(data, clock)) {
            ServiceStore store = ServiceStore.open(log);
            write(log, store, 1, SITE);

            // version 1 again is taken (checked inside the transaction, as another control plane's would be): its
            // entry must go too
            assertThatThrownBy(() -> write(log, store, 1, SITE)).isInstanceOf(ServiceStore.VersionTaken.class);
            assertThatThrownBy(() -> log.appendAll(List.of(NewEntry.purgeHosts(List.of("x"), false)), Map.of(), "t",
                    (db, sequences) -> {
                        throw new SQLException("disk full");
                    })).hasMessageContaining("disk full");

            assertThat(log.lastSequence()).isEqualTo(1);
            assertThat(log.entry(2)).isEmpty();
            write(log, store, 2, SITE.withCacheSetCookie(true));
            assertThat(log.lastSequence()).as("no sequence was used up by the failed writes").isEqualTo(2);
        }
    }

    @Test
    void theConfigurationAsOfASequenceIsEveryServicesNewestVersionUpToIt() {
        try (InvalidationLog log = InvalidationLog.open(data, clock)) {
            ServiceStore store = ServiceStore.open(log);
            DeliveryService blog = DeliveryService.of("blog", List.of("blog.example.com"),
                    List.of(URI.create("http://origin.example.net")));
            write(log, store, 1, SITE);
            write(log, store, 2, blog);
            write(log, store, 3, SITE.withCacheSetCookie(true));

            assertThat(store.snapshot(0).version()).isZero();
            assertThat(store.snapshot(0).services()).isEmpty();
            assertThat(store.snapshot(2).version()).isEqualTo(2);
            assertThat(store.snapshot(2).services()).containsExactly(blog, SITE);
            assertThat(store.snapshot(3).services()).containsExactly(blog, SITE.withCacheSetCookie(true));
            assertThat(store.version()).isEqualTo(3);
        }
    }
}
