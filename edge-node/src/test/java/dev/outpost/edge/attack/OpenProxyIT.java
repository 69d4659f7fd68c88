package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The edge is not an open proxy: an absolute-form request line or a Host naming anything not configured never
 * causes a fetch, and nothing is stored for it.
 */
class OpenProxyIT {
    @Test
    void absoluteFormNamingAnotherHostNeverCausesAFetch() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            for (String target : List.of("http://evil.test/x", "http://127.0.0.1:" + f.origin.getPort() + "/x",
                    "https://evil.test/x", "http://evil.test:80/x", "http://assets.test.evil.test/x",
                    "http://assets.test@evil.test/x")) {
                RawHttp.Reply r = RawHttp.exchange(f.edge.port(), "GET " + target + " HTTP/1.1\r\nHost: "
                        + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
                assertThat(r.statuses()).as(target).hasSize(1).allMatch(s -> s == 400 || s == 404);
            }
            for (String host : List.of("evil.test", "assets.test.evil.test", "127.0.0.1", "localhost", "")) {
                RawHttp.Reply r = RawHttp.exchange(f.edge.port(), "GET /x HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
                assertThat(r.statuses()).as(host).hasSize(1).allMatch(s -> s == 400 || s == 404);
            }
            RawHttp.Reply twoHosts = RawHttp.exchange(f.edge.port(), "GET /x HTTP/1.1\r\nHost: " + EdgeFixture.HOST
                    + "\r\nHost: evil.test\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(twoHosts.statuses()).containsExactly(400);
            RawHttp.Reply noHost = RawHttp.exchange(f.edge.port(), "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n",
                    Duration.ofSeconds(3));
            assertThat(noHost.statuses()).hasSize(1).allMatch(s -> s == 400 || s == 404);
            assertThat(f.origin.getRequestCount()).isZero();
            assertThat(f.edge.store().keys()).isEmpty();
        }
    }

    @Test
    void absoluteFormNamingTheServedHostIsServed() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("abs", "max-age=60"));
            RawHttp.Reply r = RawHttp.exchange(f.edge.port(), "GET http://assets.test/abs HTTP/1.1\r\nHost: "
                    + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(r.statuses()).containsExactly(200);
            assertThat(f.takeOriginRequest().getTarget()).isEqualTo("/abs");
        }
    }

    @Test
    void absoluteFormTargetsWithASchemeOtherThanHttpOrHttpsAreRefusedWith400() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            for (String target : List.of("ftp://assets.test/x", "gopher://assets.test/x", "file://assets.test/x",
                    "ws://assets.test/x", "HTTPX://assets.test/x")) {
                RawHttp.Reply r = RawHttp.exchange(f.edge.port(), "GET " + target + " HTTP/1.1\r\nHost: "
                        + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
                assertThat(r.statuses()).as(target).containsExactly(400);
                assertThat(r.text()).as(target).contains("bad_target");
            }
            f.enqueue(f.ok("upper", "max-age=60"));
            RawHttp.Reply upper = RawHttp.exchange(f.edge.port(), "GET HTTP://assets.test/x HTTP/1.1\r\nHost: "
                    + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(upper.statuses()).containsExactly(200); // schemes are case-insensitive
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void aHostWithTheTrailingDotOfAFullyQualifiedNameIsTheSameHost() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("dot", "max-age=60"));
            RawHttp.Reply dotted = RawHttp.exchange(f.edge.port(), "GET /d HTTP/1.1\r\nHost: assets.test.\r\n"
                    + "Connection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(dotted.statuses()).containsExactly(200);
            RawHttp.Reply absolute = RawHttp.exchange(f.edge.port(), "GET http://assets.test./d HTTP/1.1\r\n"
                    + "Host: assets.test\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertThat(absolute.statuses()).containsExactly(200);
            assertThat(absolute.text()).contains("X-Cache: HIT");
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }
}
