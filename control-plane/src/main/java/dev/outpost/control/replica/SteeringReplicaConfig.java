package dev.outpost.control.replica;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.DnsSettings;
import dev.outpost.control.steering.Cidr;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A steering replica's settings ({@code steering.yml}, read by {@code ConfigFiles}, unknown keys rejected): where it
 * answers, which control planes it follows and how closely. Absent keys take the defaults below; a bad value fails at
 * load naming its key. docs/control-plane.md, "Steering in every region", lists every key.
 *
 * @param listen         the HTTP listener: a 302 to an edge for every path outside {@code /api/}, {@code GET
 *                       /api/v1/route} and {@code /api/v1/metrics}; default {@code 127.0.0.1:8001}
 * @param controlPlanes  the control planes whose state it follows, tried in order (the first that answers is kept
 *                       until it stops answering); {@code outpost steering --control-plane URL[,URL...]} sets them
 * @param token          bearer token for the state feed; a token with scope {@code steering} is enough (and should
 *                       be all it has)
 * @param pollInterval   how long one call to the feed waits for a change (a long poll), and the pause before trying
 *                       again when no control plane answers: a health change reaches the replica within it; 100 ms..60 s,
 *                       default 2 s
 * @param staleAfter     state not confirmed by a control plane for longer is still answered from, but marked stale (the
 *                       route JSON's {@code "stale": true}, the 302's {@code X-Outpost-Steering-State}, a metric);
 *                       longer than {@code pollInterval}, default 30 s
 * @param tokens         tokens accepted by {@code /api/v1/route} (scope {@code read}), as in the control plane's config
 * @param trustedProxies networks whose {@code X-Forwarded-For} this instance believes (its own load balancers)
 * @param dns            its authoritative DNS server, as the control plane's {@code dns}; absent → no DNS
 * @param limits         limits of the HTTP listener; absent → defaults
 * @param accessLog      format, destination and file bounds of the HTTP listener's access log (docs/logging.md);
 *                       every line's node is {@code steering@<listen>} unless {@code accessLog.node} names it
 */
public record SteeringReplicaConfig(String listen, List<URI> controlPlanes, String token, Duration pollInterval,
        Duration staleAfter, List<ControlPlaneConfig.Token> tokens, List<String> trustedProxies,
        Optional<DnsSettings> dns, ListenerLimits limits, AccessLogSettings accessLog) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8001";

    public SteeringReplicaConfig {
        listen = ConfigValues.or(listen, DEFAULT_LISTEN);
        try {
            ListenAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listen: " + e.getMessage());
        }
        controlPlanes = ConfigValues.orEmpty(controlPlanes);
        for (URI url : controlPlanes) {
            if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                    || url.getHost() == null || url.getRawPath() != null && !url.getRawPath().isEmpty()
                    && !url.getRawPath().equals("/")) {
                throw new IllegalArgumentException("controlPlanes: '" + url + "' is not http(s)://host:port without "
                        + "a path");
            }
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("token (a control-plane token with scope steering) must be set");
        }
        pollInterval = ConfigValues.atMost("pollInterval", pollInterval, Duration.ofSeconds(2),
                Duration.ofSeconds(60));
        if (pollInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("pollInterval must be at least 100ms, was " + pollInterval);
        }
        staleAfter = ConfigValues.positive("staleAfter", staleAfter, Duration.ofSeconds(30));
        if (staleAfter.compareTo(pollInterval) <= 0) {
            throw new IllegalArgumentException("staleAfter (" + staleAfter + ") must be longer than pollInterval ("
                    + pollInterval + ")");
        }
        tokens = ConfigValues.orEmpty(tokens);
        trustedProxies = ConfigValues.orEmpty(trustedProxies);
        for (String proxy : trustedProxies) {
            try {
                Cidr.parse(proxy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trustedProxies: " + e.getMessage());
            }
        }
        dns = ConfigValues.orEmpty(dns);
        limits = ConfigValues.or(limits, ListenerLimits.DEFAULTS);
        accessLog = ConfigValues.or(accessLog, AccessLogSettings.DEFAULTS);
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    /** These settings following {@code urls} instead ({@code --control-plane}). */
    public SteeringReplicaConfig withControlPlanes(List<URI> urls) {
        return new SteeringReplicaConfig(listen, urls, token, pollInterval, staleAfter, tokens, trustedProxies, dns,
                limits, accessLog);
    }

    public SteeringReplicaConfig withListen(String newListen) {
        return new SteeringReplicaConfig(newListen, controlPlanes, token, pollInterval, staleAfter, tokens,
                trustedProxies, dns, limits, accessLog);
    }

    public SteeringReplicaConfig withAccessLog(AccessLogSettings newAccessLog) {
        return new SteeringReplicaConfig(listen, controlPlanes, token, pollInterval, staleAfter, tokens,
                trustedProxies, dns, limits, newAccessLog);
    }
}
