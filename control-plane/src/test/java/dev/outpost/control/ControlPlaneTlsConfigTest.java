package dev.outpost.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.tls.Certificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ControlPlaneTlsConfigTest {
    private static ControlPlaneConfig parse(String yaml) {
        String base = "data: /tmp/cp\nregions: [{name: us, cidrs: [10.0.0.0/8]}]\n";
        return ConfigFiles.parse("cp.yml", (base + yaml).getBytes(StandardCharsets.UTF_8), ControlPlaneConfig.class);
    }

    @Test
    void tlsAndLimitsAreOptionalAndReadWithDefaults() {
        ControlPlaneConfig plain = parse("");
        assertThat(plain.tls()).isEmpty();
        assertThat(plain.limits().serverLimits().maxHeaderBytes()).isEqualTo(16 * 1024);

        ControlPlaneConfig config = parse("""
                tls: {nodeListen: 10.0.0.1:8443, names: [CP.Internal]}
                limits: {idleTimeout: 30s, maxConnections: 500}
                """);
        ControlPlaneTls tls = config.tls().orElseThrow();
        assertThat(tls.certificateNames()).containsExactly("cp.internal", Certificates.CONTROL_PLANE_NAME);
        assertThat(tls.addresses()).isEmpty();
        assertThat(tls.certificateValidity()).isEqualTo(Duration.ofDays(30));
        assertThat(tls.maxJoinTokenTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(tls.allowPlainOriginEvents()).isFalse();
        assertThat(parse("tls: {nodeListen: 127.0.0.1:0, allowPlainOriginEvents: true}\n").tls().orElseThrow()
                .allowPlainOriginEvents()).isTrue();
        assertThat(parse("tls: {nodeListen: 127.0.0.1:0}\n").tls().orElseThrow().addresses())
                .containsExactly("127.0.0.1");
        assertThat(config.limits().serverLimits().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.limits().serverLimits().maxConnections()).isEqualTo(500);
    }

    @Test
    void badValuesFailNamingTheKey() {
        assertFails("tls: {names: [a.internal]}\n", "tls.nodeListen");
        assertFails("tls: {nodeListen: nowhere}\n", "tls.nodeListen");
        assertFails("tls: {nodeListen: 127.0.0.1:0, addresses: [cp.internal]}\n", "tls.addresses");
        assertFails("tls: {nodeListen: 127.0.0.1:0, names: [\"bad name\"]}\n", "tls.names");
        assertFails("tls: {nodeListen: 127.0.0.1:0, certificateValidity: 500d}\n", "tls.certificateValidity");
        assertFails("tls: {nodeListen: 127.0.0.1:0, maxJoinTokenTtl: 0s}\n", "tls.maxJoinTokenTtl");
        assertFails("limits: {maxHeaderBytes: 10}\n", "at 'limits': maxHeaderBytes must be >= 1024");
        assertFails("limits: {requestParseTimeout: 0s}\n", "at 'limits': requestParseTimeout must be > 0");
    }

    private static void assertFails(String yaml, String named) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(named);
    }
}
