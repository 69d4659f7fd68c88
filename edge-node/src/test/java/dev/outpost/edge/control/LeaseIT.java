package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry;
import java.net.URI;
import java.time.Duration;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;

/**
 * An edge that has not heard from its control plane within its lease no longer trusts what it holds: a purge may
 * have been missed. By setting it revalidates before serving, or serves and says so in Cache-Status.
 */
class LeaseIT {
    /** A control plane nobody listens on: the edge never hears from it. */
    private static ControlPlaneLinkConfig unreachable(LeaseExpiry onExpiry) {
        return ControlPlaneLinkConfig.of(URI.create("http://127.0.0.1:1"), "node-token-0123456789")
                .withTimings(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .withLease(Duration.ofSeconds(10), onExpiry);
    }

    @Test
    void pastTheLeaseAFreshObjectIsRevalidatedWithTheOriginBeforeItIsServed() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withControlPlane(unreachable(LeaseExpiry.REVALIDATE)))) {
            f.enqueue(f.ok("v1", "max-age=3600").setHeader("ETag", "\"v1\""));
            f.fetch("/app.js");
            f.clock.advance(Duration.ofSeconds(9));
            assertThat(f.fetch("/app.js").xCache()).as("within the lease").isEqualTo("HIT");
            assertThat(f.origin.getRequestCount()).isEqualTo(1);

            f.clock.advance(Duration.ofSeconds(2));
            f.enqueue(new MockResponse.Builder().code(304).setHeader("ETag", "\"v1\"")
                    .setHeader("Cache-Control", "max-age=3600"));
            Answer revalidated = f.fetch("/app.js");
            assertThat(revalidated.xCache()).isEqualTo("REVALIDATED");
            assertThat(revalidated.body()).isEqualTo("v1");
            f.takeOriginRequest();
            assertThat(f.takeOriginRequest().getHeaders().get("If-None-Match")).isEqualTo("\"v1\"");

            // the origin changed it meanwhile: the new body is served, not the purged one
            f.enqueue(f.ok("v2", "max-age=3600").setHeader("ETag", "\"v2\""));
            Answer changed = f.fetch("/app.js");
            assertThat(changed.body()).isEqualTo("v2");
        }
    }

    @Test
    void pastTheLeaseInAnnotateModeTheObjectIsServedWithACacheStatusDetailSayingSo() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withControlPlane(unreachable(LeaseExpiry.ANNOTATE)))) {
            f.enqueue(f.ok("v1", "max-age=3600"));
            f.fetch("/app.js");
            assertThat(f.fetch("/app.js").header("Cache-Status")).doesNotContain("lease-expired");
            f.clock.advance(Duration.ofSeconds(11));
            Answer hit = f.fetch("/app.js");
            assertThat(hit.xCache()).isEqualTo("HIT");
            assertThat(hit.header("Cache-Status")).contains("detail=lease-expired");
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void anEdgeWithoutAControlPlaneHasNoLease() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("v1", "max-age=3600"));
            f.fetch("/app.js");
            f.clock.advance(Duration.ofMinutes(30));
            assertThat(f.fetch("/app.js").xCache()).isEqualTo("HIT");
        }
    }
}
