package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.controlplane.ControlPlanes;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the edge reaches its control plane ({@code controlPlane} in the edge config): where, with which {@code node}
 * token, how often to heartbeat until the control plane names its own interval, how far retries back off while
 * it is down, and the URLs the edge advertises (absent → the edge's own listeners).
 *
 * @param url        control-plane API base URL, {@code http(s)://host:port}; read back, the first of {@code urls}
 * @param urls       several control planes sharing one store, instead of {@code url} (exactly one of the two):
 *                   the edge keeps to the one that answered until a call to it fails, then tries the next at
 *                   once; after a full round with none answering it backs off as with one ({@code heartbeat}
 *                   doubling up to {@code maxBackoff}). Not empty, no URL twice. Read back, every URL in order
 * @param token      bearer token with the {@code node} scope
 * @param heartbeat  heartbeat interval before registration answers with one; also the first retry delay
 * @param maxBackoff longest wait between retries while the control plane is unreachable
 * @param publicUrl  where clients are steered to; default the public listener
 * @param adminUrl   where the control plane pushes purges; default the admin listener (none without one)
 * @param lease      how long the edge trusts what it holds without hearing from the control plane: past it (no
 *                   heartbeat answered and applied for this long) a purge may have been missed, so
 *                   {@code onLeaseExpiry} applies; default 15 s, must be longer than {@code heartbeat} (the edge
 *                   heartbeats at least three times per lease) and shorter than the control plane's
 *                   {@code delivery.fenceAfter}
 * @param onLeaseExpiry {@code revalidate} (default): every cached answer is revalidated with the origin before it
 *                   is served; {@code annotate}: served as usual, with {@code Cache-Status: ...; detail=lease-expired}
 * @param configCache where the edge keeps a copy of the control plane's delivery-service configuration (written
 *                   atomically on every change, owner-only), so that a restart while the control plane is down
 *                   serves the services it last ran; absent (default) → no copy: such a restart serves the file's
 *                   {@code services} (or none) until the control plane answers
 */
public record ControlPlaneLinkConfig(URI url, List<URI> urls, String token, Duration heartbeat, Duration maxBackoff,
        Optional<URI> publicUrl, Optional<URI> adminUrl, Duration lease, LeaseExpiry onLeaseExpiry,
        Optional<String> configCache) {
    /** What an edge does with cached objects while its lease has run out. */
    public enum LeaseExpiry {
        @com.fasterxml.jackson.annotation.JsonProperty("revalidate") REVALIDATE,
        @com.fasterxml.jackson.annotation.JsonProperty("annotate") ANNOTATE
    }

    public ControlPlaneLinkConfig {
        urls = ControlPlanes.oneOf("controlPlane.url", Optional.ofNullable(url), "controlPlane.urls", urls, true);
        String key = urls.size() == 1 && url != null ? "controlPlane.url" : "controlPlane.urls";
        urls.forEach(u -> httpUrl(key, u));
        url = urls.get(0);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(
                    "controlPlane.token must be set (a control-plane token with scope node)");
        }
        heartbeat = ConfigValues.positive("controlPlane.heartbeat", heartbeat, Duration.ofSeconds(5));
        maxBackoff = ConfigValues.positive("controlPlane.maxBackoff", maxBackoff, Duration.ofSeconds(30));
        if (maxBackoff.compareTo(heartbeat) < 0) {
            throw new IllegalArgumentException("controlPlane.maxBackoff (" + maxBackoff
                    + ") must not be shorter than controlPlane.heartbeat (" + heartbeat + ")");
        }
        publicUrl = ConfigValues.orEmpty(publicUrl);
        publicUrl.ifPresent(u -> httpUrl("controlPlane.publicUrl", u));
        adminUrl = ConfigValues.orEmpty(adminUrl);
        adminUrl.ifPresent(u -> httpUrl("controlPlane.adminUrl", u));
        lease = ConfigValues.positive("controlPlane.lease", lease, Duration.ofSeconds(15));
        if (lease.compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("controlPlane.lease (" + lease + ") must be longer than "
                    + "controlPlane.heartbeat (" + heartbeat + ")");
        }
        onLeaseExpiry = ConfigValues.or(onLeaseExpiry, LeaseExpiry.REVALIDATE);
        configCache = ConfigValues.orEmpty(configCache);
        if (configCache.isPresent() && configCache.get().isBlank()) {
            throw new IllegalArgumentException("controlPlane.configCache must be a file path, was blank");
        }
    }

    public ControlPlaneLinkConfig withConfigCache(String path) {
        return new ControlPlaneLinkConfig(null, urls, token, heartbeat, maxBackoff, publicUrl, adminUrl, lease,
                onLeaseExpiry, Optional.of(path));
    }

    /** A link with default timings that advertises the edge's own listeners. */
    public static ControlPlaneLinkConfig of(URI url, String token) {
        return new ControlPlaneLinkConfig(url, null, token, null, null, null, null, null, null, null);
    }

    public ControlPlaneLinkConfig withTimings(Duration newHeartbeat, Duration newMaxBackoff) {
        return new ControlPlaneLinkConfig(null, urls, token, newHeartbeat, newMaxBackoff, publicUrl, adminUrl, lease,
                onLeaseExpiry, configCache);
    }

    public ControlPlaneLinkConfig withLease(Duration newLease, LeaseExpiry newOnLeaseExpiry) {
        return new ControlPlaneLinkConfig(null, urls, token, heartbeat, maxBackoff, publicUrl, adminUrl, newLease,
                newOnLeaseExpiry, configCache);
    }

    /** A link with default timings to several control planes (tried in this order). */
    public static ControlPlaneLinkConfig of(List<URI> urls, String token) {
        return new ControlPlaneLinkConfig(null, urls, token, null, null, null, null, null, null, null);
    }

    /** The same settings for other control plane URLs and token (command-line overrides). */
    public ControlPlaneLinkConfig withUrlsAndToken(List<URI> newUrls, String newToken) {
        return new ControlPlaneLinkConfig(null, newUrls, newToken, heartbeat, maxBackoff, publicUrl, adminUrl, lease,
                onLeaseExpiry, configCache);
    }

    public ControlPlaneLinkConfig withAdvertised(Optional<URI> newPublicUrl, Optional<URI> newAdminUrl) {
        return new ControlPlaneLinkConfig(null, urls, token, heartbeat, maxBackoff, newPublicUrl, newAdminUrl, lease,
                onLeaseExpiry, configCache);
    }

    private static void httpUrl(String key, URI uri) {
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException(key + " must be an absolute http(s) URL, was " + uri);
        }
    }
}
