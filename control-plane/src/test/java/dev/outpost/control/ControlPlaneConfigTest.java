package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ControlPlaneConfigTest {
    private static final String FULL = """
            listen: 127.0.0.1:0
            steeringListen: 127.0.0.1:0
            data: ./cp-data
            tokens:
              - name: ops
                sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
                scopes: [read, purge]
              - name: local
                token: local-dev-token-0123
                scopes: [admin]
            edgeToken: edge-admin-token-0123
            heartbeat: {interval: 1s, timeout: 3s}
            regions:
              - {name: us, cidrs: [127.0.1.0/24, "2001:db8:1::/48"]}
              - {name: eu, cidrs: [127.0.2.0/24]}
            defaultRegion: us
            latency: {us: {eu: 40ms}}
            trustedProxies: [127.0.0.1/32]
            rateLimits: {purgesPerMinute: 10, pushesPerMinute: 2}
            maxUrlsPerCall: 50
            origins: [{id: primary, hosts: [www.example.com]}]
            """;

    private static ControlPlaneConfig parse(String yaml) {
        return ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
    }

    @Test
    void readsEveryKeyOfAFullConfig() {
        ControlPlaneConfig config = parse(FULL);
        assertThat(config.listenAddress().port()).isZero();
        assertThat(config.steeringAddress()).isPresent();
        assertThat(config.tokens()).hasSize(2);
        assertThat(config.tokens().get(0).sha256())
                .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assertThat(config.tokens().get(0).scopes()).isEqualTo(Set.of(Scope.READ, Scope.PURGE));
        assertThat(config.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.regionNames()).containsExactly("us", "eu");
        assertThat(config.latency().get("us").get("eu")).isEqualTo(Duration.ofMillis(40));
        assertThat(config.rateLimits().pushesPerMinute()).isEqualTo(2);
        assertThat(config.maxUrlsPerCall()).isEqualTo(50);
        assertThat(config.origins().get(0).hosts()).containsExactly("www.example.com");
    }

    @Test
    void plainTokenIsHashedAtLoadAndNotKept() {
        ControlPlaneConfig.Token local = parse(FULL).tokens().get(1);
        assertThat(local.sha256()).isEqualTo(ControlPlaneConfig.sha256("local-dev-token-0123"));
        assertThat(local.token()).isEmpty();
        assertThat(local.toString()).doesNotContain("local-dev-token-0123");
    }

    @Test
    void minimalConfigTakesDefaults() {
        ControlPlaneConfig config = parse("data: d\nregions: [{name: us}]\n");
        assertThat(config.listen()).isEqualTo(ControlPlaneConfig.DEFAULT_LISTEN);
        assertThat(config.defaultRegion()).isEqualTo("us");
        assertThat(config.heartbeat()).isEqualTo(ControlPlaneConfig.HeartbeatSettings.DEFAULTS);
        assertThat(config.rateLimits()).isEqualTo(ControlPlaneConfig.RateLimits.DEFAULTS);
        assertThat(config.maxUrlsPerCall()).isEqualTo(ControlPlaneConfig.DEFAULT_MAX_URLS);
    }

    @Test
    void badValuesAreRejectedNamingTheKey() {
        assertRejected("regions: [{name: us, cidrs: [10.0.0.0/33]}]\n", "regions.us.cidrs");
        assertRejected("regions: [{name: us, cidrs: [example.com/8]}]\n", "not an IPv4 or IPv6 address");
        assertRejected("regions: [{name: us}]\ndefaultRegion: eu\n", "defaultRegion 'eu'");
        assertRejected("regions: [{name: us}]\nlatency: {us: {mars: 5ms}}\n", "latency.us: unknown region 'mars'");
        assertRejected("regions: [{name: us}]\ntokens: [{name: a, scopes: [read]}]\n", "exactly one of sha256 and token");
        assertRejected("regions: [{name: us}]\ntokens: [{name: a, sha256: abc, scopes: [read]}]\n", "64 hex digits");
        assertRejected("regions: [{name: us}]\ntokens: [{name: a, token: short, scopes: [read]}]\n", "16 characters");
        assertRejected("regions: [{name: us}]\ntokens: [{name: a, token: local-dev-token-0123, scopes: []}]\n",
                "tokens.a.scopes");
        assertRejected("regions: [{name: us}]\ntokens: [{name: a, token: local-dev-token-0123, scopes: [root]}]\n",
                "scopes");
        assertRejected("regions: [{name: us}]\nheartbeat: {interval: 5s, timeout: 1s}\n",
                "heartbeat.timeout (PT1S) must be longer than heartbeat.interval (PT5S)");
        assertRejected("regions: [{name: us}]\nmaxUrlsPerCall: 0\n", "maxUrlsPerCall must be >= 1, was 0");
        assertRejected("regions: [{name: us}]\ntrustedProxies: [nope]\n", "trustedProxies");
        assertRejected("regions: [{name: us}]\nmaxUrlsPerCall: -1\n", "maxUrlsPerCall");
        assertRejected("regions: [{name: us}]\nlisten: nowhere\n", "listen");
        assertRejected("regions: [{name: us}]\nregion: us\n", "unknown key 'region'");
        assertRejected("regions: []\n", "regions must name at least one region");
    }

    @Test
    void renamedMillisecondKeysFailNamingTheirDurationKeys() {
        assertRejected("regions: [{name: us}]\nheartbeat: {intervalMillis: 1000}\n",
                "'heartbeat.intervalMillis' was renamed: use 'heartbeat.interval' (a duration such as 5s)");
        assertRejected("regions: [{name: us}]\nheartbeat: {timeoutMillis: 1000}\n",
                "'heartbeat.timeoutMillis' was renamed: use 'heartbeat.timeout'");
        assertRejected("regions: [{name: us}]\nlatencyMillis: {us: {}}\n",
                "'latencyMillis' was renamed: use 'latency' (durations: {us: {eu: 40ms}})");
        assertRejected("regions: [{name: us}]\ndelivery: {fenceAfterMillis: 1000}\n",
                "'delivery.fenceAfterMillis' was renamed: use 'delivery.fenceAfter'");
        assertRejected("regions: [{name: us}]\ndelivery: {retryInitialMillis: 1}\n",
                "'delivery.retryInitialMillis' was renamed: use 'delivery.retryInitial'");
        assertRejected("regions: [{name: us}]\ndelivery: {retryMaxMillis: 1}\n",
                "'delivery.retryMaxMillis' was renamed: use 'delivery.retryMax'");
        assertRejected("regions: [{name: us}]\nlog: {retentionMillis: 1}\n",
                "'log.retentionMillis' was renamed: use 'log.retention'");
        assertRejected("regions: [{name: us}]\nlog: {pushExpiryMillis: 1}\n",
                "'log.pushExpiryMillis' was renamed: use 'log.pushExpiry'");
    }

    @Test
    void deliveryMaxTriesDefaultsToEightAndMustBeWithinOneToAThousand() {
        assertThat(parse("data: d\nregions: [{name: us}]\n").delivery().maxTries()).isEqualTo(8);
        assertRejected("regions: [{name: us}]\ndelivery: {maxTries: 0}\n", "delivery.maxTries");
        assertRejected("regions: [{name: us}]\ndelivery: {maxTries: 1001}\n", "delivery.maxTries");
    }

    @Test
    void statsSettingsHaveSafeDefaultsAndBounds() {
        ControlPlaneConfig config = parse("data: d\nregions: [{name: us}]\n");
        assertThat(config.stats().flushEvery()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(config.stats().retention()).isEqualTo(java.time.Duration.ofDays(7));
        assertRejected("regions: [{name: us}]\nstats: {flushEvery: 500ms}\n", "stats.flushEvery must be within");
        assertRejected("regions: [{name: us}]\nstats: {retention: 10m}\n", "stats.retention must be within");
        assertRejected("regions: [{name: us}]\nstats: {keep: 1d}\n", "keep");
    }

    @Test
    void theStoreIsSqliteInTheDataDirectoryUnlessConfigured() {
        StoreSettings store = parse("data: d\nregions: [{name: us}]\n").store();
        assertThat(store.engine()).isEqualTo("sqlite");
        assertThat(store.sqliteFile(java.nio.file.Path.of("d"))).isEqualTo(java.nio.file.Path.of("d/outpost.db"));
        assertThat(store.poolSize()).isEqualTo(4);
        assertThat(store.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void storeKeysOfTheOtherEngineOrBadValuesFailNamingTheKey() {
        String regions = "regions: [{name: us}]\n";
        assertRejected(regions + "store: {engine: mysql}\n", "store.engine must be sqlite or postgresql, was 'mysql'");
        assertRejected(regions + "store: {engine: postgresql}\n", "store.url must be set");
        assertRejected(regions + "store: {engine: postgresql, url: \"http://db\"}\n", "store.url must be set");
        assertRejected(regions + "store: {engine: postgresql, url: \"jdbc:postgresql://db/cp\", path: x.db}\n",
                "store.path is a sqlite setting");
        assertRejected(regions + "store: {url: \"jdbc:postgresql://db/cp\"}\n", "store.url is a postgresql setting");
        assertRejected(regions + "store: {passwordFile: /run/secrets/db}\n", "store.passwordFile is a postgresql");
        assertRejected(regions + "store: {poolSize: 0}\n", "store.poolSize");
        assertRejected(regions + "store: {connectTimeout: 100ms}\n", "store.connectTimeout must be within 250ms..60s");
        assertRejected(regions + "store: {engine: sqlite, file: x.db}\n", "file");
    }

    private static void assertRejected(String yaml, String expected) {
        assertThatThrownBy(() -> parse("data: d\n" + yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cp.yml")
                .hasMessageContaining(expected);
    }
}
