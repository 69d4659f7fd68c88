package dev.outpost.common.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.outpost.common.config.ConfigValues;
import java.net.URI;
import java.util.List;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One delivery service: the Hosts it answers for, its origins (the first is the primary, the rest are tried in
 * order on connection errors and 5xx) and its cache-key rules.
 *
 * @param name           the service's name, {@code [A-Za-z0-9._-]+} and unique: logs, metrics, and the first part
 *                       of its cache keys
 * @param hosts          Host header values (without port) routed to this service; lower-cased
 * @param origins        origin base URLs, {@code http(s)://host[:port]}, no path
 * @param cacheKey       query-parameter rules for the cache key
 * @param cacheSetCookie store responses carrying Set-Cookie (default false: never)
 * @param signing        signed-URL secrets and whether a token is required; absent → no signing
 * @param requestHeaders which client request headers go upstream (default: every end-to-end header)
 * @param shareCredentialed the service's answers never depend on Cookie or Authorization: answers to requests
 *                       carrying them are stored by the ordinary rules and such requests are answered from the
 *                       store (default false: only answers marked {@code public} or {@code s-maxage} are shared)
 * @param regionOrigins  origins for the edges of one region in place of {@code origins}, by region name (e.g. a
 *                       region's own origin replica first, then the primary); a region not named uses
 *                       {@code origins}. Lets one definition serve edges that reach the origin differently by region
 * @param shieldRegion   the region whose shields (edges registered with role {@code shield}) fetch this service's
 *                       misses for every other edge; absent → every edge fetches from the origin itself. When no
 *                       shield of that region is usable, edges fall back to the origin (counted)
 */
public record DeliveryService(String name, List<String> hosts, List<URI> origins, CacheKeyRules cacheKey,
        Boolean cacheSetCookie, Optional<SigningConfig> signing, RequestHeaderRules requestHeaders,
        Boolean shareCredentialed,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<URI>> regionOrigins,
        Optional<String> shieldRegion) {
    public DeliveryService(String name, List<String> hosts, List<URI> origins, CacheKeyRules cacheKey,
            Boolean cacheSetCookie, Optional<SigningConfig> signing, RequestHeaderRules requestHeaders,
            Boolean shareCredentialed, Map<String, List<URI>> regionOrigins) {
        this(name, hosts, origins, cacheKey, cacheSetCookie, signing, requestHeaders, shareCredentialed,
                regionOrigins, Optional.empty());
    }

    public DeliveryService {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("services[].name must not be empty");
        }
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("services[].name must be letters, digits, '.', '_' or '-' (it is the "
                    + "first part of the service's cache keys), was '" + name + "'");
        }
        if (hosts == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("services[" + name + "].hosts must name at least one host");
        }
        hosts = hosts.stream().map(DeliveryService::canonicalHost).toList();
        for (String host : hosts) {
            if (host.isBlank() || host.contains("/") || host.contains(":") && !host.startsWith("[")) {
                throw new IllegalArgumentException("services[" + name + "].hosts: '" + host
                        + "' must be a bare host name, without port or path");
            }
        }
        if (origins == null || origins.isEmpty()) {
            throw new IllegalArgumentException("services[" + name + "].origins must name at least one origin URL");
        }
        origins = List.copyOf(origins);
        checkOrigins(name, "origins", origins);
        Map<String, List<URI>> byRegion = new TreeMap<>();
        for (Map.Entry<String, List<URI>> region : (regionOrigins == null ? Map.<String, List<URI>>of()
                : regionOrigins).entrySet()) {
            if (region.getKey() == null || !region.getKey().matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("services[" + name + "].regionOrigins: '" + region.getKey()
                        + "' is not a region name (letters, digits, '.', '_' or '-')");
            }
            if (region.getValue() == null || region.getValue().isEmpty()) {
                throw new IllegalArgumentException("services[" + name + "].regionOrigins." + region.getKey()
                        + " must name at least one origin URL");
            }
            checkOrigins(name, "regionOrigins." + region.getKey(), region.getValue());
            byRegion.put(region.getKey(), List.copyOf(region.getValue()));
        }
        regionOrigins = Collections.unmodifiableMap(byRegion);
        cacheKey = ConfigValues.or(cacheKey, CacheKeyRules.DEFAULTS);
        cacheSetCookie = ConfigValues.or(cacheSetCookie, false);
        signing = ConfigValues.orEmpty(signing);
        requestHeaders = ConfigValues.or(requestHeaders, RequestHeaderRules.DEFAULTS);
        shareCredentialed = ConfigValues.or(shareCredentialed, false);
        shieldRegion = ConfigValues.orEmpty(shieldRegion);
        shieldRegion.ifPresent(region -> {
            if (!region.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("services[" + name + "].shieldRegion: '" + region
                        + "' is not a region name (letters, digits, '.', '_' or '-')");
            }
        });
    }

    private static void checkOrigins(String name, String key, List<URI> origins) {
        for (URI origin : origins) {
            if (origin == null || !("http".equals(origin.getScheme()) || "https".equals(origin.getScheme()))
                    || origin.getHost() == null
                    || origin.getRawPath() != null && !origin.getRawPath().isEmpty()
                    && !origin.getRawPath().equals("/")
                    || origin.getRawQuery() != null) {
                throw new IllegalArgumentException("services[" + name + "]." + key + ": '" + origin
                        + "' must be http(s)://host[:port] without path or query");
            }
        }
    }

    /** The origins, in order, of an edge in {@code region}: its region's list if named, else {@code origins}. */
    public List<URI> originsFor(String region) {
        return regionOrigins.getOrDefault(region, origins);
    }

    /** Every origin any edge of this service may ask, {@code origins} first. */
    public List<URI> allOrigins() {
        LinkedHashSet<URI> all = new LinkedHashSet<>(origins);
        regionOrigins.values().forEach(all::addAll);
        return List.copyOf(all);
    }

    public DeliveryService withRegionOrigins(Map<String, List<URI>> newRegionOrigins) {
        return new DeliveryService(name, hosts, origins, cacheKey, cacheSetCookie, signing, requestHeaders,
                shareCredentialed, newRegionOrigins, shieldRegion);
    }

    public DeliveryService withShieldRegion(Optional<String> newShieldRegion) {
        return new DeliveryService(name, hosts, origins, cacheKey, cacheSetCookie, signing, requestHeaders,
                shareCredentialed, regionOrigins, newShieldRegion);
    }

    /** A service with default rules everywhere: no signing, every end-to-end header forwarded. */
    public static DeliveryService of(String name, List<String> hosts, List<URI> origins) {
        return new DeliveryService(name, hosts, origins, null, null, null, null, null, null);
    }

    public DeliveryService withCacheKey(CacheKeyRules newCacheKey) {
        return new DeliveryService(name, hosts, origins, newCacheKey, cacheSetCookie, signing, requestHeaders,
                shareCredentialed, regionOrigins, shieldRegion);
    }

    public DeliveryService withCacheSetCookie(boolean store) {
        return new DeliveryService(name, hosts, origins, cacheKey, store, signing, requestHeaders, shareCredentialed,
                regionOrigins, shieldRegion);
    }

    public DeliveryService withSigning(SigningConfig newSigning) {
        return new DeliveryService(name, hosts, origins, cacheKey, cacheSetCookie, Optional.of(newSigning),
                requestHeaders, shareCredentialed, regionOrigins, shieldRegion);
    }

    public DeliveryService withRequestHeaders(RequestHeaderRules newRules) {
        return new DeliveryService(name, hosts, origins, cacheKey, cacheSetCookie, signing, newRules,
                shareCredentialed, regionOrigins, shieldRegion);
    }

    public DeliveryService withShareCredentialed(boolean share) {
        return new DeliveryService(name, hosts, origins, cacheKey, cacheSetCookie, signing, requestHeaders, share,
                regionOrigins, shieldRegion);
    }

    /**
     * A host name as routes compare it: lower case, without the one trailing dot of a fully qualified name
     * ({@code Example.TEST.} is {@code example.test}).
     */
    public static String canonicalHost(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
    }

    public static DeliveryService of(String host, URI... origins) {
        return of(host, List.of(host), List.of(origins));
    }
}
