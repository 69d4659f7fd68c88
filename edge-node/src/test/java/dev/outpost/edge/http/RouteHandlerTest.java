package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The host an absolute-form request target names, compared exactly with Host by the route handler. */
class RouteHandlerTest {
    @Test
    void theTargetHostIsTheAuthorityWithoutPort() {
        assertThat(RouteHandler.targetHost("http://assets.test/x")).isEqualTo("assets.test");
        assertThat(RouteHandler.targetHost("http://assets.test:8080/x?y")).isEqualTo("assets.test");
        assertThat(RouteHandler.targetHost("http://assets.test")).isEqualTo("assets.test");
        assertThat(RouteHandler.targetHost("http://[::1]:80/x")).isEqualTo("[::1]");
    }

    @Test
    void aLongerHostOrUserinfoNeverMatchesTheServedOne() {
        assertThat(RouteHandler.targetHost("http://assets.test.evil.test/x")).isNotEqualTo("assets.test");
        assertThat(RouteHandler.targetHost("http://assets.test@evil.test/x")).isEmpty();
        assertThat(RouteHandler.targetHost("http://evil.test#@assets.test/x")).isNotEqualTo("assets.test");
    }
}
