package dev.outpost.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EdgeTlsConfigTest {
    private static final String SERVICES = """
            services: [{name: a, hosts: [a.example], origins: ["http://127.0.0.1:8080"]}]
            """;

    private static EdgeConfig parse(String yaml) {
        return ConfigFiles.parse("edge.yml", (SERVICES + yaml).getBytes(StandardCharsets.UTF_8), EdgeConfig.class);
    }

    @Test
    void withoutATlsSectionTheEdgeStaysPlain() {
        assertThat(parse("").tls()).isEmpty();
    }

    @Test
    void aTlsSectionIsReadWithDefaults() {
        EdgeTls tls = parse("""
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789}
                tls:
                  dir: /var/lib/outpost/tls
                  listen: 0.0.0.0:8443
                  joinToken: oj_abc
                  names: [eu-1.edges.internal]
                  controlPlaneUrl: https://127.0.0.1:8443
                  caSha256: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:\
                AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
                """).tls().orElseThrow();
        assertThat(tls.listenAddress().orElseThrow().port()).isEqualTo(8443);
        assertThat(tls.joinToken()).contains("oj_abc");
        assertThat(tls.names()).containsExactly("eu-1.edges.internal");
        assertThat(tls.addresses()).isEmpty();
        assertThat(tls.controlPlaneUrl()).contains(URI.create("https://127.0.0.1:8443"));
        assertThat(tls.renewBefore()).isEqualTo(Duration.ofDays(10));
        assertThat(tls.renewCheckInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(tls.caSha256()).contains("abcdef0123456789".repeat(4));
        assertThat(tls.certificate().caSha256()).isEqualTo(tls.caSha256());
        assertThat(parse("tls: {dir: /tmp/x}\n").tls().orElseThrow().caSha256()).isEmpty();
        assertThat(parse("tls: {dir: /tmp/x}\n").tls().orElseThrow().addresses()).containsExactly("127.0.0.1");
    }

    @Test
    void badTlsValuesFailNamingTheKey() {
        assertFails("tls: {listen: \":8443\"}\n", "tls.dir");
        assertFails("tls: {dir: /tmp/x, listen: nowhere}\n", "tls.listen");
        assertFails("tls: {dir: /tmp/x, addresses: [eu-1.internal]}\n", "tls.addresses");
        assertFails("tls: {dir: /tmp/x, addresses: [\"1.2.3\"]}\n", "tls.addresses");
        assertFails("tls: {dir: /tmp/x, names: [\"bad name\"]}\n", "tls.names");
        assertFails("tls: {dir: /tmp/x, renewBefore: 0s}\n", "tls.renewBefore");
        assertFails("tls: {dir: /tmp/x, caSha256: abc123}\n", "tls.caSha256");
        assertFails("""
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789}
                tls: {dir: /tmp/x, controlPlaneUrl: "http://127.0.0.1:8443"}
                """, "tls.controlPlaneUrl");
        assertFails("tls: {dir: /tmp/x, controlPlaneUrl: \"https://127.0.0.1:8443\"}\n", "needs controlPlane");
        assertFails("tls: {dir: /tmp/x, certificate: x.pem}\n", "certificate");
    }

    private static void assertFails(String yaml, String named) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(named);
    }
}
