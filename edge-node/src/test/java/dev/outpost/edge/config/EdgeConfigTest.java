package dev.outpost.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.wire.NodeRegistration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
    private static EdgeConfig parse(String yaml) {
        return ConfigFiles.parse("edge.yml", yaml.getBytes(StandardCharsets.UTF_8), EdgeConfig.class);
    }

    @Test
    void fetchOnIoThreadIsABooleanOnByDefault() {
        String service = """
                services:
                  - name: assets
                    hosts: [assets.example.com]
                    origins: [http://127.0.0.1:8080]
                """;
        assertThatThrownBy(() -> parse(service + "origin:\n  fetchOnIoThread: sometimes\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("origin.fetchOnIoThread");
        assertThat(parse(service + "origin:\n  fetchOnIoThread: true\n").origin().fetchOnIoThread()).isTrue();
        assertThat(parse(service + "origin:\n  fetchOnIoThread: false\n").origin().fetchOnIoThread()).isFalse();
        assertThat(parse(service).origin().fetchOnIoThread()).as("on unless the JVM runs the suite with it off")
                .isEqualTo(!"false".equals(System.getProperty("outpost.fetchOnIoThread")));
    }

    @Test
    void minimalConfigGetsSafeDefaults() {
        EdgeConfig config = parse("""
                services:
                  - name: assets
                    hosts: [Assets.Example.com]
                    origins: [http://127.0.0.1:8080]
                """);
        assertThat(config.id()).isEqualTo("edge-1");
        assertThat(config.services().get(0).hosts()).containsExactly("assets.example.com");
        assertThat(config.services().get(0).cacheKey().dropParams()).contains("utm_*");
        assertThat(config.services().get(0).cacheSetCookie()).isFalse();
        assertThat(config.cache().maxBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(config.cache().maxObjectBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(config.cache().backgroundFillMaxBytes()).as("every storable fill finishes")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(config.cache().negativeTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.cache().slices()).as("1 MiB slices of objects over the 16 MiB object cap")
                .isEqualTo(new SliceConfig(true, 1024L * 1024, 16L * 1024 * 1024));
        assertThat(config.origin().connect()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.collapsing().maxWaiters()).isEqualTo(1000);
        assertThat(config.admin()).isEmpty();
        assertThat(config.controlPlane()).isEmpty();
    }

    @Test
    void fullConfigIsRead() {
        EdgeConfig config = parse("""
                id: eu-1
                region: eu
                listen: 127.0.0.1:0
                admin: {listen: "127.0.0.1:0", token: "0123456789abcdef"}
                services:
                  - name: assets
                    hosts: [a.example]
                    origins: [http://127.0.0.1:8080, http://127.0.0.1:8090]
                    cacheKey: {dropParams: [utm_*, sig], sortParams: false}
                    cacheSetCookie: true
                cache: {maxBytes: 1000000, maxObjectBytes: 1000, maxVariantsPerUrl: 4, negativeTtl: PT5S,
                        staleIfError: PT1M, staleWhileRevalidate: PT10S, heuristicFraction: 0.2, heuristicCap: PT1H,
                        hitForPass: PT5S}
                origin: {connect: PT1S, read: PT3S, total: PT9S}
                collapsing: {maxWaiters: 50, maxWait: PT2S}
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789, heartbeat: 200ms}
                """);
        assertThat(config.admin().orElseThrow().token()).isEqualTo("0123456789abcdef");
        assertThat(config.services().get(0).origins()).hasSize(2);
        assertThat(config.services().get(0).cacheKey().sortParams()).isFalse();
        assertThat(config.cache().maxVariantsPerUrl()).isEqualTo(4);
        assertThat(config.cache().staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.origin().total()).isEqualTo(Duration.ofSeconds(9));
        assertThat(config.collapsing().maxWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.controlPlane().orElseThrow().heartbeat()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.controlPlane().orElseThrow().maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theExampleConfigInDeployLoads() {
        EdgeConfig config = dev.outpost.common.config.ConfigFiles.load(
                java.nio.file.Path.of("../deploy/edge.example.yml"), EdgeConfig.class);
        assertThat(config.id()).isEqualTo("eu-1");
        assertThat(config.admin()).isPresent();
        assertThat(config.services().get(0).origins()).hasSize(2);
        assertThat(config.limits()).isEqualTo(EdgeLimits.DEFAULTS); // the example spells out the defaults
        assertThat(config.accessLog()).isEqualTo(dev.outpost.common.http.accesslog.AccessLogSettings.DEFAULTS);
        assertThat(config.serverTiming()).isFalse();
    }

    @Test
    void limitsAreReadAndCheckedNamingTheKey() {
        EdgeConfig config = parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {listener: {maxHeaderBytes: 8192, requestParseTimeout: 2s}, allowedMethods: [GET, HEAD]}
                """);
        assertThat(config.limits().listener().maxHeaderBytes()).isEqualTo(8192);
        assertThat(config.limits().listener().requestParseTimeout()).hasSeconds(2);
        assertThat(config.limits().serverLimits().maxHeaderBytes()).isEqualTo(8192);
        assertThat(config.limits().allowedMethods()).containsExactly("GET", "HEAD");
        assertThat(config.limits().maxRangeParts()).isEqualTo(16);
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {allowedMethods: [GET, HEAD, CONNECT]}
                """)).hasMessageContaining("limits.allowedMethods");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {maxHeaderSize: 1}
                """)).hasMessageContaining("maxHeaderSize");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {maxHeaderBytes: 8192}
                """)).hasMessageContaining("'limits.maxHeaderBytes' was renamed: use 'limits.listener.maxHeaderBytes'");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {listener: {maxHeaderBytes: 100}}
                """)).hasMessageContaining("at 'limits.listener': maxHeaderBytes must be >= 1024");
    }

    @Test
    void whereDiskHitsReadIsAutoByDefaultAndAnUnknownValueFailsNamingTheKey() {
        EdgeConfig config = parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost}}
                """);
        assertThat(config.cache().disk().readOnIoThread()).isEqualTo("auto");
        assertThat(parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost, readOnIoThread: never}}
                """).cache().disk().readOnIoThread()).isEqualTo("never");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost, readOnIoThread: sometimes}}
                """)).hasMessageContaining("cache.disk.readOnIoThread");
    }

    @Test
    void minFreeBytesIsLeftToTheFileSystemsSizeByDefaultAndANegativeValueFailsNamingTheKey() {
        assertThat(parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost}}
                """).cache().disk().minFreeBytes()).as("absent: from the file system's size, at open").isNull();
        assertThat(parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost, minFreeBytes: 0}}
                """).cache().disk().minFreeBytes()).isZero();
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {disk: {dir: /var/cache/outpost, minFreeBytes: -1}}
                """)).hasMessageContaining("cache.disk.minFreeBytes");
    }

    @Test
    void ioThreadsDefaultToTheCoresTheJvmMayUseAndAreBounded() {
        assertThat(EdgeLimits.DEFAULTS.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(EdgeLimits.DEFAULTS.serverLimits().ioThreads()).isEqualTo(EdgeLimits.DEFAULTS.ioThreads());
        EdgeConfig config = parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {ioThreads: 3}
                """);
        assertThat(config.limits().serverLimits().ioThreads()).isEqualTo(3);
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {ioThreads: 0}
                """)).hasMessageContaining("limits.ioThreads");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                limits: {ioThreads: 5000}
                """)).hasMessageContaining("limits.ioThreads");
    }

    @Test
    void roleIsAnEdgeByDefaultAShieldWhenSaidAndNothingElse() {
        assertThat(parse("services: [{name: a, hosts: [a], origins: [\"http://127.0.0.1:1\"]}]").role())
                .isEqualTo(NodeRegistration.Role.EDGE);
        assertThat(parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                role: shield
                """).shield()).isTrue();
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                role: origin
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("role").hasMessageContaining("origin");
    }

    @Test
    void unknownKeyIsRejectedNamingIt() {
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a], origins: ["http://127.0.0.1:1"]}]
                cache: {maxBytez: 5}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("maxBytez")
                .hasMessageContaining("edge.yml");
    }

    @Test
    void sliceDefaultsFollowTheObjectCapAndBadSlicesAreRejectedNamingTheKeys() {
        assertThat(CacheConfig.ofSize(4096, 2048).slices()).as("a slice always fits the memory tier")
                .isEqualTo(new SliceConfig(true, 2048L, 2048L));
        assertThat(CacheConfig.DEFAULTS.withSlices(new SliceConfig(null, 4096L, null)).withSize(1L << 30, 32L << 20)
                .slices()).as("a resized store keeps the slice size given and its own default threshold")
                .isEqualTo(new SliceConfig(true, 4096L, 32L << 20));
        assertThatThrownBy(() -> CacheConfig.ofSize(4096, 2048).withSlices(new SliceConfig(true, 4096L, null)))
                .hasMessageContaining("cache.slices.sizeBytes").hasMessageContaining("cache.maxObjectBytes");
        assertThatThrownBy(() -> new SliceConfig(true, 100L, null)).hasMessageContaining("cache.slices.sizeBytes");
        assertThatThrownBy(() -> new SliceConfig(true, 4096L, 1000L))
                .hasMessageContaining("cache.slices.minObjectBytes");
    }

    @Test
    void aNegativeBackgroundFillLimitIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> CacheConfig.DEFAULTS.withBackgroundFillMaxBytes(-1))
                .hasMessageContaining("cache.backgroundFillMaxBytes").hasMessageContaining("-1");
    }

    @Test
    void objectLimitAboveStoreLimitIsRejectedNamingBothKeys() {
        assertThatThrownBy(() -> CacheConfig.ofSize(100, 200))
                .hasMessageContaining("cache.maxObjectBytes").hasMessageContaining("cache.maxBytes");
    }

    @Test
    void nonPositiveSizesAndTimeoutsAreRejected() {
        assertThatThrownBy(() -> CacheConfig.ofSize(0, 0)).hasMessageContaining("cache.maxBytes must be >= 1, was 0");
        assertThatThrownBy(() -> new OriginTimeouts(Duration.ZERO, null, null, null, null, null))
                .hasMessageContaining("origin.connect");
        assertThatThrownBy(() -> new OriginTimeouts(null, null, null, null, null, null, null, null, -1))
                .hasMessageContaining("origin.fetchThreads");
        assertThat(OriginTimeouts.DEFAULTS.fetchThreads()).isEqualTo(64);
        assertThatThrownBy(() -> new CollapsingConfig(0, null)).hasMessageContaining("collapsing.maxWaiters");
    }

    @Test
    void breakerSettingsAreCheckedAndNamed() {
        assertThatThrownBy(() -> new OriginBreaker(null, 0, null, null, null))
                .hasMessageContaining("origin.breaker.failures");
        assertThatThrownBy(() -> new OriginBreaker(null, null, Duration.ofMinutes(2), Duration.ofMinutes(1), null))
                .hasMessageContaining("origin.breaker.maxProbeInterval");
        assertThatThrownBy(() -> new OriginBreaker(null, null, Duration.ZERO, null, null))
                .hasMessageContaining("origin.breaker.probeAfter");
        assertThatThrownBy(() -> new OriginBreaker(null, null, null, null, "health"))
                .hasMessageContaining("origin.breaker.probePath");
        assertThatThrownBy(() -> new OriginBreaker(null, null, null, null, "/a b"))
                .hasMessageContaining("origin.breaker.probePath");
        OriginBreaker defaults = OriginTimeouts.DEFAULTS.breaker();
        assertThat(defaults).isEqualTo(new OriginBreaker(true, 5, Duration.ofSeconds(2), Duration.ofSeconds(30),
                "/"));
    }

    @Test
    void originWithPathOrWrongSchemeIsRejected() {
        assertThatThrownBy(() -> parse("services: [{name: a, hosts: [a], origins: [\"ftp://x\"]}]"))
                .hasMessageContaining("origins");
        assertThatThrownBy(() -> parse("services: [{name: a, hosts: [a], origins: [\"http://x/base\"]}]"))
                .hasMessageContaining("without path");
    }

    @Test
    void hostServedTwiceIsRejected() {
        assertThatThrownBy(() -> parse("""
                services:
                  - {name: a, hosts: [x.example], origins: ["http://127.0.0.1:1"]}
                  - {name: b, hosts: [X.example], origins: ["http://127.0.0.1:2"]}
                """)).hasMessageContaining("x.example");
    }

    @Test
    void servicesMayBeLeftOutOnlyWithAControlPlaneThatHandsThemOut() {
        assertThatThrownBy(() -> parse("id: e1")).hasMessageContaining("services")
                .hasMessageContaining("controlPlane");
        EdgeConfig config = parse("""
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789,
                               configCache: /var/lib/outpost/edge-services.json}
                """);
        assertThat(config.services()).isEmpty();
        assertThat(config.controlPlane().orElseThrow().configCache()).contains("/var/lib/outpost/edge-services.json");
        assertThatThrownBy(() -> parse("""
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789, configCache: " "}
                """)).hasMessageContaining("controlPlane.configCache");
    }

    @Test
    void shortAdminTokenIsRejected() {
        assertThatThrownBy(() -> new AdminConfig("127.0.0.1:0", "short")).hasMessageContaining("admin.token");
    }

    @Test
    void aControlPlaneLinkNeedsAUrlAndANodeToken() {
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}]
                controlPlane: {url: "http://127.0.0.1:8000"}
                """)).hasMessageContaining("controlPlane.token");
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}]
                controlPlane: {url: "ftp://cp", token: node-token-0123456789}
                """)).hasMessageContaining("controlPlane.url").hasMessageContaining("ftp://cp");
    }

    @Test
    void aControlPlaneBackoffShorterThanTheHeartbeatIsRefusedNamingBoth() {
        assertThatThrownBy(() -> parse("""
                services: [{name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}]
                controlPlane: {url: "http://127.0.0.1:8000", token: node-token-0123456789, heartbeat: 10s,
                               maxBackoff: 1s}
                """)).hasMessageContaining("controlPlane.maxBackoff").hasMessageContaining("controlPlane.heartbeat");
    }

    @Test
    void aSectionThatCanTakeNoEffectFailsStartUpNamingIt() {
        String service = "services: [{name: a, hosts: [a], origins: [\"http://127.0.0.1:1\"]}]\n";
        assertThatThrownBy(() -> parse(service + "tls: {dir: /tmp/x}\n").requireEverySectionUsed())
                .hasMessageContaining("tls: neither tls.listen").hasMessageContaining("tls.controlPlaneUrl");
        assertThatThrownBy(() -> parse(service + "tls: {dir: /tmp/x, listen: \"127.0.0.1:0\", joinToken: t}\n")
                .requireEverySectionUsed()).hasMessageContaining("tls.joinToken needs controlPlane");
        assertThatThrownBy(() -> parse(service + "controlPlane: {url: \"http://127.0.0.1:1\", token: t, "
                + "adminUrl: \"http://127.0.0.1:2\"}\n").requireEverySectionUsed())
                .hasMessageContaining("controlPlane.adminUrl").hasMessageContaining("no admin section");
        assertThatThrownBy(() -> parse(service + "limits: {maxApiBodyBytes: 4096}\n").requireEverySectionUsed())
                .hasMessageContaining("limits.maxApiBodyBytes").hasMessageContaining("no admin section");
        assertThatThrownBy(() -> parse(service + "limits: {listener: {failedAuth: {maxFailures: 3}}}\n")
                .requireEverySectionUsed()).hasMessageContaining("limits.listener.failedAuth");
        assertThatThrownBy(() -> parse("services: [{name: a, hosts: [a], origins: [\"http://127.0.0.1:1\"]}]\n"
                + "admin: {listen: \"127.0.0.1:0\"}\n")).hasMessageContaining("admin.token");
        parse(service + "tls: {dir: /tmp/x, listen: \"127.0.0.1:0\"}\n").requireEverySectionUsed();
    }

    @Test
    void severalControlPlanesAreAListOfDistinctUrlsInsteadOfUrl() {
        String service = "services: [{name: a, hosts: [a.test], origins: [\"http://127.0.0.1:8080\"]}]\n";
        EdgeConfig config = parse(service + """
                controlPlane: {urls: ["http://cp-1:8000", "http://cp-2:8000"], token: node-token-0123456789}
                """);
        assertThat(config.controlPlane().orElseThrow().urls()).extracting(java.net.URI::toString)
                .containsExactly("http://cp-1:8000", "http://cp-2:8000");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {url: "http://cp-1:8000", urls: ["http://cp-2:8000"], token: node-token-0123456789}
                """)).hasMessageContaining("set controlPlane.url or controlPlane.urls, not both");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {urls: [], token: node-token-0123456789}
                """)).hasMessageContaining("controlPlane.urls must name at least one URL");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {urls: ["http://cp-1:8000", "http://cp-1:8000/"], token: node-token-0123456789}
                """)).hasMessageContaining("controlPlane.urls names http://cp-1:8000/ twice");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {urls: ["http://cp-1:8000", "ftp://cp-2"], token: node-token-0123456789}
                """)).hasMessageContaining("controlPlane.urls must be an absolute http(s) URL, was ftp://cp-2");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {token: node-token-0123456789}
                """)).hasMessageContaining("controlPlane.url (or controlPlane.urls) must be set");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {url: "http://cp-1:8000", token: node-token-0123456789}
                tls: {dir: /tmp/x, controlPlaneUrl: "https://cp-1:8443", controlPlaneUrls: ["https://cp-2:8443"]}
                """)).hasMessageContaining("set tls.controlPlaneUrl or tls.controlPlaneUrls, not both");
        assertThatThrownBy(() -> parse(service + """
                controlPlane: {url: "http://cp-1:8000", token: node-token-0123456789}
                tls: {dir: /tmp/x, controlPlaneUrls: ["https://cp-1:8443", "http://cp-2:8000"]}
                """)).hasMessageContaining("tls.controlPlaneUrls must be an https://host:port URL, was http://cp-2:8000");
    }
}
