package dev.outpost.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.ManualClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailedAuthLimiterTest {
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");

    @Test
    void aClientMayFailMaxFailuresTimesThenWaitsForTheNextRefill() throws Exception {
        FailedAuthLimiter limiter = new FailedAuthLimiter(new FailedAuthLimits(10, Duration.ofMinutes(1), null),
                clock);
        InetAddress client = address("203.0.113.7");
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.retryAfter(client)).as("attempt %d", i + 1).isEmpty();
            limiter.failed(client);
        }
        assertThat(limiter.retryAfter(client)).hasValue(6);
        clock.advance(Duration.ofSeconds(5));
        assertThat(limiter.retryAfter(client)).hasValue(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.retryAfter(client)).isEmpty();
        limiter.failed(client);
        assertThat(limiter.retryAfter(client)).hasValue(6);
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.retryAfter(client)).as("after a quiet minute, attempt %d", i + 1).isEmpty();
            limiter.failed(client);
        }
    }

    @Test
    void otherClientsKeepTheirOwnBudget() throws Exception {
        FailedAuthLimiter limiter = new FailedAuthLimiter(new FailedAuthLimits(2, null, null), clock);
        limiter.failed(address("203.0.113.7"));
        limiter.failed(address("203.0.113.7"));
        assertThat(limiter.retryAfter(address("203.0.113.7"))).isPresent();
        assertThat(limiter.retryAfter(address("203.0.113.8"))).isEmpty();
    }

    @Test
    void anIpv6ClientIsOneClientAcrossItsSlash64() throws Exception {
        FailedAuthLimiter limiter = new FailedAuthLimiter(new FailedAuthLimits(2, null, null), clock);
        limiter.failed(address("2001:db8:1:2::1"));
        limiter.failed(address("2001:db8:1:2:ffff::9"));
        assertThat(limiter.retryAfter(address("2001:db8:1:2::77"))).isPresent();
        assertThat(limiter.retryAfter(address("2001:db8:1:3::1"))).isEmpty();
    }

    @Test
    void aFloodOfAddressesIsRememberedOnlyUpToMaxClients() throws Exception {
        FailedAuthLimiter limiter = new FailedAuthLimiter(new FailedAuthLimits(3, null, 1000), clock);
        for (int i = 0; i < 50_000; i++) {
            limiter.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        assertThat(limiter.trackedClients()).isLessThanOrEqualTo(1000);
    }

    private static InetAddress address(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }
}
