package dev.outpost.edge.config;

import dev.outpost.common.service.RequestHeaderRules;
import dev.outpost.common.service.DeliveryService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHeaderRulesTest {
    private static EdgeConfig parse(String service) {
        String yaml = "services:\n  - {name: a, hosts: [a], origins: [\"http://127.0.0.1:1\"], " + service + "}\n";
        return ConfigFiles.parse("edge.yml", yaml.getBytes(StandardCharsets.UTF_8), EdgeConfig.class);
    }

    @Test
    void byDefaultEveryEndToEndHeaderIsForwardedAndCredentialedAnswersAreNotShared() {
        DeliveryService s = parse("cacheSetCookie: false").services().get(0);
        assertThat(s.requestHeaders().listed()).isFalse();
        assertThat(s.requestHeaders().drop()).isEmpty();
        assertThat(s.shareCredentialed()).isFalse();
    }

    @Test
    void theRulesAreReadFromTheConfigFile() {
        DeliveryService listed = parse("requestHeaders: {forward: listed, allow: [X-Device, Cookie]}, "
                + "shareCredentialed: true").services().get(0);
        assertThat(listed.requestHeaders().listed()).isTrue();
        assertThat(listed.requestHeaders().allow()).containsExactly("x-device", "cookie");
        assertThat(listed.shareCredentialed()).isTrue();
        DeliveryService all = parse("requestHeaders: {forward: all, drop: [X-Debug]}").services().get(0);
        assertThat(all.requestHeaders().drop()).containsExactly("x-debug");
    }

    @Test
    void badRulesFailStartUpNamingTheKeyAndTheReason() {
        assertThatThrownBy(() -> parse("requestHeaders: {forward: some}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("requestHeaders.forward").hasMessageContaining("'some'");
        assertThatThrownBy(() -> parse("requestHeaders: {allow: [X-Device]}"))
                .hasMessageContaining("requestHeaders.allow").hasMessageContaining("forward: listed");
        assertThatThrownBy(() -> parse("requestHeaders: {forward: listed, drop: [X-Debug]}"))
                .hasMessageContaining("requestHeaders.drop").hasMessageContaining("forward: all");
        assertThatThrownBy(() -> parse("requestHeaders: {drop: [\"a b\"]}"))
                .hasMessageContaining("'a b' is not a header field name");
        assertThatThrownBy(() -> parse("requestHeaders: {unknown: 1}")).hasMessageContaining("unknown");
    }

    @Test
    void noListCanForwardAHeaderTheEdgeAlwaysWithholds() {
        for (String name : List.of("X-Forwarded-Host", "X-Original-URL", "Forwarded", "Via", "X-Forwarded-For",
                "X-Real-IP", "Transfer-Encoding", "Connection", "X_Forwarded_Host", "If-None-Match", "Range")) {
            assertThatThrownBy(() -> new RequestHeaderRules("listed", null, List.of(name))).as(name)
                    .hasMessageContaining("requestHeaders.allow").hasMessageContaining("never forwarded");
        }
    }

    @Test
    void theWithheldHeadersAreTheOverridesForwardingAddressClaimsConnectionFieldsAndUnderscoreNames() {
        for (String name : List.of("x-forwarded-host", "x-http-method-override", "x-forwarded-anything", "via",
                "true-client-ip", "te", "content-length", "x_custom")) {
            assertThat(RequestHeaderRules.withheld(name)).as(name).isPresent();
        }
        for (String name : List.of("origin", "cookie", "authorization", "x-device", "user-agent", "if-none-match")) {
            assertThat(RequestHeaderRules.withheld(name)).as(name).isEmpty();
        }
    }
}
