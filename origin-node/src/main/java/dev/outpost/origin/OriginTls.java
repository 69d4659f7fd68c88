package dev.outpost.origin;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.tls.NodeCertificate;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The origin's TLS settings ({@code tls} in {@code origin.yml}): its node certificate, obtained by joining the
 * control plane with a one-time token, used for mutual TLS when {@code notifications.url} is the control plane's
 * node listener ({@code https://…/api/v1/origin-events}), and renewed there without a restart.
 *
 * @param dir                owner-only directory of {@code node.key}, {@code node.crt}, {@code ca.crt}; required
 * @param joinToken          one-time join token, used only when {@code dir} holds no valid certificate
 * @param joinUrl            the control plane's API ({@code http://host:8000}), where the join is sent; read back,
 *                           the first of {@code joinUrls}
 * @param joinUrls           several control planes' APIs instead of {@code joinUrl} (one of the two): the join goes
 *                           to the first that answers
 * @param names              DNS names the certificate asks for (the join token must allow them)
 * @param addresses          IP addresses it asks for; default {@code [127.0.0.1]} when no name is given either
 * @param controlPlaneUrl    the control plane's node listener ({@code https://host:port}), where renewals go;
 *                           absent → no renewal (join again when the certificate expires); read back, the first
 *                           of {@code controlPlaneUrls}
 * @param controlPlaneUrls   several node listeners instead of {@code controlPlaneUrl} (one of the two): a renewal
 *                           goes to the first that answers, in this order. Independent of {@code joinUrls} and
 *                           {@code notifications.urls}: each list fails over on its own
 * @param renewBefore        renew this long before expiry (at most a third of the lifetime); default 10 days
 * @param renewCheckInterval how often to check; default 1 hour
 * @param caSha256           the control plane CA's SHA-256 fingerprint ({@code caSha256} of the join-token answer):
 *                           a join goes ahead only when the control plane's CA has it; absent → trusted on first use
 */
public record OriginTls(String dir, Optional<String> joinToken, Optional<URI> joinUrl, List<URI> joinUrls,
        List<String> names, List<String> addresses, Optional<URI> controlPlaneUrl, List<URI> controlPlaneUrls,
        Duration renewBefore, Duration renewCheckInterval, Optional<String> caSha256) {
    public OriginTls {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("tls.dir must be set (where the node key and certificates are kept)");
        }
        joinToken = ConfigValues.orEmptyText(joinToken);
        String joinKey = joinUrl != null && joinUrl.isPresent() ? "tls.joinUrl" : "tls.joinUrls";
        joinUrls = ControlPlanes.oneOf("tls.joinUrl", ConfigValues.orEmpty(joinUrl), "tls.joinUrls", joinUrls, false);
        joinUrls.forEach(u -> url(joinKey, u, false));
        joinUrl = joinUrls.stream().findFirst();
        names = ConfigValues.orEmpty(names);
        addresses = ConfigValues.orEmpty(addresses);
        if (names.isEmpty() && addresses.isEmpty()) {
            addresses = List.of("127.0.0.1");
        }
        for (String address : addresses) {
            if (address == null || !address.matches(NodeCertificate.IP_LITERAL)) {
                throw new IllegalArgumentException("tls.addresses: '" + address + "' is not an IP address");
            }
        }
        String nodeKey = controlPlaneUrl != null && controlPlaneUrl.isPresent() ? "tls.controlPlaneUrl"
                : "tls.controlPlaneUrls";
        controlPlaneUrls = ControlPlanes.oneOf("tls.controlPlaneUrl", ConfigValues.orEmpty(controlPlaneUrl),
                "tls.controlPlaneUrls", controlPlaneUrls, false);
        controlPlaneUrls.forEach(u -> url(nodeKey, u, true));
        controlPlaneUrl = controlPlaneUrls.stream().findFirst();
        renewBefore = ConfigValues.positive("tls.renewBefore", renewBefore, Duration.ofDays(10));
        renewCheckInterval = ConfigValues.positive("tls.renewCheckInterval", renewCheckInterval, Duration.ofHours(1));
        caSha256 = ConfigValues.orEmpty(caSha256).map(p -> NodeCertificate.caPin("tls.caSha256", p));
    }

    /** TLS state in {@code dir}, joining through {@code joinUrl} with {@code token} for these addresses. */
    public static OriginTls joining(String dir, URI joinUrl, String token, List<String> addresses) {
        return new OriginTls(dir, Optional.of(token), Optional.of(joinUrl), null, null, addresses, null, null, null,
                null, null);
    }

    public OriginTls withControlPlaneUrl(URI url, Duration newRenewBefore, Duration newCheckInterval) {
        return new OriginTls(dir, joinToken, null, listed(joinUrls), names, addresses, Optional.of(url), null,
                newRenewBefore, newCheckInterval, caSha256);
    }

    /** Joins through, and renews at, several control planes (each list in its order). */
    public OriginTls withControlPlanes(List<URI> newJoinUrls, List<URI> newNodeUrls) {
        return new OriginTls(dir, joinToken, null, newJoinUrls, names, addresses, null, newNodeUrls, renewBefore,
                renewCheckInterval, caSha256);
    }

    /** A list for a copy: null when empty (the key absent), so the copy validates. */
    private static List<URI> listed(List<URI> urls) {
        return urls.isEmpty() ? null : urls;
    }

    /** Joins only a control plane whose CA has this SHA-256 fingerprint. */
    public OriginTls withCaSha256(String pin) {
        return new OriginTls(dir, joinToken, null, listed(joinUrls), names, addresses, null,
                listed(controlPlaneUrls), renewBefore, renewCheckInterval, Optional.of(pin));
    }

    public NodeCertificate.Settings certificate() {
        return new NodeCertificate.Settings(Path.of(dir), joinToken, names, addresses, caSha256);
    }

    private static void url(String key, URI u, boolean https) {
        boolean schemeOk = https ? "https".equals(u.getScheme())
                : "http".equals(u.getScheme()) || "https".equals(u.getScheme());
        if (!schemeOk || u.getHost() == null) {
            throw new IllegalArgumentException(key + " must be an absolute " + (https ? "https" : "http(s)")
                    + " URL, was " + u);
        }
    }
}
