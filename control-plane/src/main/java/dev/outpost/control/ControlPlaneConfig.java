package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.config.RenamedKeys;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.control.steering.Cidr;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The control plane's settings, read from {@code cp.yml} by {@code ConfigFiles} (unknown keys rejected). Absent
 * keys take the defaults below; a bad value fails at load naming its key. docs/control-plane.md, "Configuration", lists every key.
 *
 * @param listen         the API listener (which also steers every path outside {@code /api/})
 * @param steeringListen an optional second listener that only steers (302 to an edge)
 * @param data           the data directory: the CA, the lock, and the SQLite store by default
 * @param tokens         API tokens with their scopes; stored as SHA-256 hashes
 * @param edgeToken      bearer token the control plane sends to edges' admin API; absent → none sent
 * @param heartbeat      how often nodes heartbeat and when a silent one turns unhealthy
 * @param regions        client networks per region
 * @param geoipCsv       optional CSV of {@code network,region} lines adding to the regions' networks
 * @param defaultRegion  region of a client no CIDR matches
 * @param latency        one-way latency between regions, {@code {us: {eu: 40ms}}}; symmetric, missing pairs = far
 * @param trustedProxies networks whose {@code X-Forwarded-For} is believed
 * @param rateLimits     purges and pushes per token per minute
 * @param maxUrlsPerCall most URLs (urls + prefixes + tags + hosts) one purge or push may name
 * @param origins        which hosts each origin serves, for change notices
 * @param tls            the CA, node joining and the mutual-TLS node listener; absent → plain HTTP only, no CA
 * @param limits         limits of every listener (head size, slow-client timeouts, connections); absent → defaults
 * @param log            bounds of the invalidation log: entry, page and listing sizes, retention, push expiry
 * @param delivery       retries of failed live pushes and fencing of unreachable edges
 * @param dns            the authoritative DNS server steering the CDN host names; absent → no DNS
 * @param balancing      the load-balancing policy choosing the edge within a region, per region or service
 * @param stats          the per-minute traffic statistics edges send with heartbeats: write-behind and retention
 * @param accessLog      format, destination and file bounds of the access log of every listener (docs/logging.md);
 *                       absent → JSON lines on stdout, the node named {@code control-plane@<listen>}
 * @param serverTiming   send {@code Server-Timing: total;dur=..} on every answer; default false (it tells any
 *                       client how long the control plane took)
 * @param store          where the control plane's state lives: {@code sqlite} ({@code outpost.db} in {@code data},
 *                       default) or {@code postgresql} (docs/store.md)
 */
@RenamedKeys("latencyMillis -> latency (durations: {us: {eu: 40ms}})")
public record ControlPlaneConfig(String listen, Optional<String> steeringListen, String data, List<Token> tokens,
        Optional<String> edgeToken, HeartbeatSettings heartbeat, List<Region> regions, Optional<String> geoipCsv,
        String defaultRegion, Map<String, Map<String, Duration>> latency, List<String> trustedProxies,
        RateLimits rateLimits, Integer maxUrlsPerCall, List<Origin> origins, Optional<ControlPlaneTls> tls,
        ListenerLimits limits, LogSettings log, DeliverySettings delivery, Optional<DnsSettings> dns,
        BalancingSettings balancing, StatsSettings stats, AccessLogSettings accessLog, Boolean serverTiming,
        StoreSettings store) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8000";
    public static final int DEFAULT_MAX_URLS = 1000;

    public ControlPlaneConfig {
        listen = ConfigValues.or(listen, DEFAULT_LISTEN);
        checkListen("listen", listen);
        steeringListen = ConfigValues.orEmpty(steeringListen);
        steeringListen.ifPresent(s -> checkListen("steeringListen", s));
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("data (the data directory) must be set");
        }
        tokens = ConfigValues.orEmpty(tokens);
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (Token token : tokens) {
            if (!names.add(token.name())) {
                throw new IllegalArgumentException("tokens: name '" + token.name() + "' is used twice");
            }
            if (!hashes.add(token.sha256())) {
                throw new IllegalArgumentException("tokens: '" + token.name() + "' has the same secret as another");
            }
        }
        edgeToken = ConfigValues.orEmptyText(edgeToken);
        heartbeat = ConfigValues.or(heartbeat, HeartbeatSettings.DEFAULTS);
        regions = ConfigValues.orEmpty(regions);
        geoipCsv = ConfigValues.orEmptyText(geoipCsv);
        Set<String> regionNames = new HashSet<>();
        for (Region region : regions) {
            if (!regionNames.add(region.name())) {
                throw new IllegalArgumentException("regions: '" + region.name() + "' is listed twice");
            }
        }
        if (defaultRegion == null || defaultRegion.isBlank()) {
            if (regions.isEmpty()) {
                throw new IllegalArgumentException("regions must name at least one region");
            }
            defaultRegion = regions.get(0).name();
        }
        if (!regionNames.contains(defaultRegion)) {
            throw new IllegalArgumentException("defaultRegion '" + defaultRegion + "' is not one of regions "
                    + regionNames);
        }
        latency = ConfigValues.orEmpty(latency);
        for (var from : latency.entrySet()) {
            if (!regionNames.contains(from.getKey())) {
                throw new IllegalArgumentException("latency: unknown region '" + from.getKey() + "'");
            }
            for (var to : from.getValue().entrySet()) {
                if (!regionNames.contains(to.getKey())) {
                    throw new IllegalArgumentException("latency." + from.getKey() + ": unknown region '"
                            + to.getKey() + "'");
                }
                ConfigValues.notNegative("latency." + from.getKey() + "." + to.getKey(),
                        java.util.Objects.requireNonNull(to.getValue(), "latency." + from.getKey() + "." + to.getKey()
                                + " must be a duration such as 40ms"), Duration.ZERO);
            }
        }
        trustedProxies = ConfigValues.orEmpty(trustedProxies);
        for (String proxy : trustedProxies) {
            try {
                Cidr.parse(proxy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trustedProxies: " + e.getMessage());
            }
        }
        rateLimits = ConfigValues.or(rateLimits, RateLimits.DEFAULTS);
        maxUrlsPerCall = ConfigValues.atLeast("maxUrlsPerCall", maxUrlsPerCall, DEFAULT_MAX_URLS, 1);
        origins = ConfigValues.orEmpty(origins);
        tls = ConfigValues.orEmpty(tls);
        limits = ConfigValues.or(limits, ListenerLimits.DEFAULTS);
        log = ConfigValues.or(log, LogSettings.DEFAULTS);
        delivery = ConfigValues.or(delivery, DeliverySettings.DEFAULTS);
        dns = ConfigValues.orEmpty(dns);
        balancing = ConfigValues.or(balancing, BalancingSettings.DEFAULTS);
        stats = ConfigValues.or(stats, StatsSettings.DEFAULTS);
        for (String region : balancing.regions().keySet()) {
            if (!regionNames.contains(region)) {
                throw new IllegalArgumentException("balancing.regions: unknown region '" + region + "', regions are "
                        + regionNames);
            }
        }
        accessLog = ConfigValues.or(accessLog, AccessLogSettings.DEFAULTS);
        serverTiming = ConfigValues.or(serverTiming, false);
        store = ConfigValues.or(store, StoreSettings.DEFAULTS);
        if (delivery.fenceAfter().compareTo(heartbeat.timeout()) <= 0) {
            throw new IllegalArgumentException("delivery.fenceAfter (" + delivery.fenceAfter()
                    + ") must be longer than heartbeat.timeout (" + heartbeat.timeout() + ")");
        }
    }

    /**
     * Fails naming a section (or key) that is present but can take no effect on this control plane, so a config
     * never says more than the running node does (docs/deployment.md, "Config files"). {@code ControlPlane.start}
     * calls it on the final config, after command-line flags.
     */
    public void requireEverySectionUsed() {
        for (Origin origin : origins) {
            if (origin.url().isEmpty() && origin.token().isPresent()) {
                throw new IllegalArgumentException("origins." + origin.id() + ".token is sent with write-through "
                        + "uploads, but origins." + origin.id() + ".url (where they go) is not set");
            }
            if (origin.url().isEmpty() && origin.maxUploadBytes() != Origin.DEFAULT_MAX_UPLOAD_BYTES) {
                throw new IllegalArgumentException("origins." + origin.id() + ".maxUploadBytes bounds write-through "
                        + "uploads, but origins." + origin.id() + ".url (where they go) is not set");
            }
        }
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    public Optional<ListenAddress> steeringAddress() {
        return steeringListen.map(ListenAddress::parse);
    }

    public Set<String> regionNames() {
        Set<String> names = new java.util.LinkedHashSet<>();
        regions.forEach(r -> names.add(r.name()));
        return names;
    }

    public ControlPlaneConfig withListen(String newListen) {
        return new ControlPlaneConfig(newListen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withData(String newData) {
        return new ControlPlaneConfig(listen, steeringListen, newData, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withGeoipCsv(String path) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                Optional.of(path), defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins,
                tls, limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withRateLimits(RateLimits newLimits) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, newLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withTls(ControlPlaneTls newTls) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins,
                Optional.of(newTls), limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withLimits(ListenerLimits newLimits) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                newLimits, log, delivery, dns, balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withDns(DnsSettings newDns) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, Optional.of(newDns), balancing, stats, accessLog, serverTiming, store);
    }

    public ControlPlaneConfig withStore(StoreSettings newStore) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, balancing, stats, accessLog, serverTiming, newStore);
    }

    public ControlPlaneConfig withBalancing(BalancingSettings newBalancing) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, newBalancing, stats, accessLog, serverTiming, store);
    }

    private static void checkListen(String key, String value) {
        try {
            ListenAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }

    /** Lower-case hex SHA-256 of a token's UTF-8 bytes: how tokens are stored and compared. */
    public static String sha256(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * An API token: {@code {name: ops, sha256: <64 hex>, scopes: [read, purge]}}; for local use {@code token:} may
     * give the secret itself, which is hashed here and not kept.
     */
    public record Token(String name, String sha256, Optional<String> token, Set<Scope> scopes) {
        public Token {
            if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("tokens: name must be letters, digits, '.', '_' or '-', was '"
                        + name + "'");
            }
            token = ConfigValues.orEmpty(token);
            if (token.isPresent() == (sha256 != null)) {
                throw new IllegalArgumentException("tokens." + name + ": give exactly one of sha256 and token");
            }
            if (token.isPresent()) {
                if (token.get().length() < 16) {
                    throw new IllegalArgumentException("tokens." + name + ".token must be at least 16 characters");
                }
                sha256 = ControlPlaneConfig.sha256(token.get());
                token = Optional.empty();
            }
            sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
            if (!sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("tokens." + name + ".sha256 must be 64 hex digits");
            }
            if (scopes == null || scopes.isEmpty()) {
                throw new IllegalArgumentException("tokens." + name + ".scopes must name at least one of "
                        + List.of(Scope.values()));
            }
            scopes = Set.copyOf(EnumSet.copyOf(scopes));
        }

        /** A token given in plain text (tests, local mode). */
        public static Token plain(String name, String secret, Scope... scopes) {
            return new Token(name, null, Optional.of(secret), Set.of(scopes));
        }
    }

    /**
     * Nodes heartbeat every {@code interval} (default 5 s); one silent for {@code timeout} (default three intervals)
     * is unhealthy and steered no traffic.
     */
    @RenamedKeys({"intervalMillis -> interval (a duration such as 5s)",
            "timeoutMillis -> timeout (a duration such as 15s)"})
    public record HeartbeatSettings(Duration interval, Duration timeout) {
        public static final HeartbeatSettings DEFAULTS = new HeartbeatSettings(null, null);

        public HeartbeatSettings {
            interval = ConfigValues.positive("heartbeat.interval", interval, Duration.ofSeconds(5));
            timeout = ConfigValues.positive("heartbeat.timeout", timeout, interval.multipliedBy(3));
            if (timeout.compareTo(interval) <= 0) {
                throw new IllegalArgumentException("heartbeat.timeout (" + timeout + ") must be longer than "
                        + "heartbeat.interval (" + interval + ")");
            }
        }
    }

    /** A region and the client networks in it. */
    public record Region(String name, List<String> cidrs) {
        public Region {
            if (name == null || !name.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException("regions: name must be lower-case letters, digits or '-', was '"
                        + name + "'");
            }
            cidrs = ConfigValues.orEmpty(cidrs);
            for (String cidr : cidrs) {
                try {
                    Cidr.parse(cidr);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("regions." + name + ".cidrs: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Per-token budgets; a token over budget gets 429 with Retry-After. {@code originEventsPerMinute} bounds the
     * change notices one token may send ({@code POST /api/v1/origin-events}; each one is a purge); its burst is a
     * minute's worth, so a deploy of a few hundred files still goes through at once.
     */
    public record RateLimits(Integer purgesPerMinute, Integer pushesPerMinute, Integer originEventsPerMinute) {
        public static final RateLimits DEFAULTS = new RateLimits(null, null, null);

        public RateLimits {
            purgesPerMinute = ConfigValues.atLeast("rateLimits.purgesPerMinute", purgesPerMinute, 120, 1);
            pushesPerMinute = ConfigValues.atLeast("rateLimits.pushesPerMinute", pushesPerMinute, 30, 1);
            originEventsPerMinute = ConfigValues.atLeast("rateLimits.originEventsPerMinute", originEventsPerMinute,
                    600, 1);
        }
    }

    /** The largest request body the API listener must take: the largest write-through upload of any origin. */
    public long maxRequestBodyBytes() {
        return origins.stream().mapToLong(Origin::maxUploadBytes).max().orElse(Origin.DEFAULT_MAX_UPLOAD_BYTES);
    }

    /**
     * An origin: the hosts it serves (a change notice from it purges the path on each of them) and, for write-through
     * uploads ({@code PUT /api/v1/assets/...}), its base URL and asset-API token. {@code maxUploadBytes} (default
     * 64 MiB) caps an upload relayed to it; the body streams through, so the cap is about what the control plane lets
     * through, not about its memory (413 {@code body_too_large} above it, also for chunked bodies).
     */
    public record Origin(String id, List<String> hosts, Optional<java.net.URI> url, Optional<String> token,
            Long maxUploadBytes) {
        public static final long DEFAULT_MAX_UPLOAD_BYTES = 64L * 1024 * 1024;

        public Origin {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("origins: id must be set");
            }
            hosts = ConfigValues.orEmpty(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("origins." + id + ".hosts must name at least one host");
            }
            url = ConfigValues.orEmpty(url);
            url.ifPresent(u -> {
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                        || u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
                    throw new IllegalArgumentException("origins." + id + ".url must be http(s)://host[:port] without "
                            + "a path, was " + u);
                }
            });
            token = ConfigValues.orEmptyText(token);
            maxUploadBytes = ConfigValues.atLeast("origins." + id + ".maxUploadBytes", maxUploadBytes,
                    DEFAULT_MAX_UPLOAD_BYTES, 1);
        }
    }

    public ControlPlaneConfig withAccessLog(AccessLogSettings newAccessLog) {
        return new ControlPlaneConfig(listen, steeringListen, data, tokens, edgeToken, heartbeat, regions,
                geoipCsv, defaultRegion, latency, trustedProxies, rateLimits, maxUrlsPerCall, origins, tls,
                limits, log, delivery, dns, balancing, stats, newAccessLog, serverTiming, store);
    }
}
