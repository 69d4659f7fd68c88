package dev.outpost.edge.config;

import dev.outpost.common.service.SigningConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.edge.origin.Route;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SigningConfigTest {
    private static EdgeConfig parse(String yaml) {
        return ConfigFiles.parse("edge.yml", yaml.getBytes(StandardCharsets.UTF_8), EdgeConfig.class);
    }

    @Test
    void signingBlockIsReadWithKeysNewestFirst() {
        EdgeConfig config = parse("""
                services:
                  - name: video
                    hosts: [video.example]
                    origins: [http://127.0.0.1:8080]
                    signing:
                      keys:
                        - secret: new-new-new-new-new-new-new-new-01
                        - secret: old-old-old-old-old-old-old-old-00
                          expires: 2026-02-01T00:00:00Z
                """);
        SigningConfig signing = config.services().get(0).signing().orElseThrow();

        assertThat(signing.required()).isTrue();
        assertThat(signing.keys()).hasSize(2);
        assertThat(signing.keys().get(0).expires()).isEmpty();
        assertThat(signing.keys().get(1).expires()).contains(Instant.parse("2026-02-01T00:00:00Z"));
    }

    @Test
    void serviceWithoutSigningBlockHasNone() {
        EdgeConfig config = parse("""
                services: [{name: a, hosts: [a.example], origins: ["http://127.0.0.1:8080"]}]
                """);
        assertThat(config.services().get(0).signing()).isEmpty();
    }

    @Test
    void signedServiceDropsTokenParametersFromTheCacheKeyOthersKeepThem() {
        EdgeConfig config = parse("""
                services:
                  - name: signed
                    hosts: [s.example]
                    origins: [http://127.0.0.1:8080]
                    signing: {required: false, keys: [{secret: sss-sss-sss-sss-sss-sss-sss-sss-01}]}
                  - name: plain
                    hosts: [p.example]
                    origins: [http://127.0.0.1:8080]
                """);
        Route signed = Route.of(config.services().get(0));
        Route plain = Route.of(config.services().get(1));

        assertThat(signed.keys().key("/a", "v=2&exp=1&prefix=%2F&ip=1.2.3.4&sig=x"))
                .isEqualTo("signed/a?v=2");
        assertThat(plain.keys().key("/a", "v=2&exp=1&sig=x"))
                .isEqualTo("plain/a?exp=1&sig=x&v=2");
        assertThat(config.services().get(0).cacheKey().dropParams()).doesNotContain("sig");
    }

    @Test
    void badSigningBlocksFailNamingTheKey() {
        assertThatThrownBy(() -> parse("""
                services:
                  - {name: a, hosts: [a.example], origins: ["http://127.0.0.1:8080"], signing: {keys: []}}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("signing.keys");
        assertThatThrownBy(() -> parse("""
                services:
                  - {name: a, hosts: [a.example], origins: ["http://127.0.0.1:8080"],
                     signing: {keys: [{secret: short}]}}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("at least 32");
        assertThatThrownBy(() -> parse("""
                services:
                  - {name: a, hosts: [a.example], origins: ["http://127.0.0.1:8080"],
                     signing: {keys: [{secret: sss-sss-sss-sss-sss-sss-sss-sss-01, algorithm: md5}]}}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("algorithm");
    }
}
