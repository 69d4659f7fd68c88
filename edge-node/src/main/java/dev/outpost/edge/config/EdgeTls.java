package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.tls.NodeCertificate;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The edge's TLS settings ({@code tls} in the edge config): where its key and certificates live, the optional
 * public HTTPS listener, how it gets its node certificate (a one-time join token sent with a CSR to the control
 * plane's {@code controlPlane.url}), and the control plane's mutual-TLS node listener.
 *
 * @param dir                owner-only directory holding {@code node.key}, {@code node.crt}, {@code ca.crt} and
 *                           uploaded certificates ({@code certificates/}); required
 * @param listen             public HTTPS listener ({@code host:port}; HTTP/1.1 and HTTP/2); absent → none
 * @param joinToken          one-time join token, used only when {@code dir} holds no valid node certificate
 * @param names              DNS names the node certificate asks for (the join token must allow them)
 * @param addresses          IP addresses it asks for; default {@code [127.0.0.1]} when no name is given either
 * @param controlPlaneUrl    the control plane's mutual-TLS node listener ({@code https://host:port}); when set,
 *                           registration and heartbeats go there and the admin listener becomes mutual TLS
 *                           accepting only the control plane's certificate; read back, the first of
 *                           {@code controlPlaneUrls}
 * @param controlPlaneUrls   several control planes' node listeners, instead of {@code controlPlaneUrl} (one of the
 *                           two): registration, heartbeats and renewals fail over between them in this order, as
 *                           {@code controlPlane.urls} does. The list stands on its own (it need not line up with
 *                           {@code controlPlane.urls}: those serve the join only once this is set)
 * @param renewBefore        renew this long before the node certificate expires; default 10 days (a third of
 *                           the certificate's lifetime when that is shorter)
 * @param renewCheckInterval how often to check; default 1 hour
 * @param caSha256           the control plane CA's SHA-256 fingerprint ({@code caSha256} of the join-token answer):
 *                           a join goes ahead only when the control plane's CA has it; absent → trusted on first use
 */
public record EdgeTls(String dir, Optional<String> listen, Optional<String> joinToken, List<String> names,
        List<String> addresses, Optional<URI> controlPlaneUrl, List<URI> controlPlaneUrls, Duration renewBefore, Duration renewCheckInterval,
        Optional<String> caSha256) {
    private static final String DNS_NAME = "(\\*\\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?";

    public EdgeTls {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("tls.dir must be set (where the node key and certificates are kept)");
        }
        listen = ConfigValues.orEmpty(listen);
        listen.ifPresent(l -> {
            try {
                ListenAddress.parse(l);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tls.listen: " + e.getMessage());
            }
        });
        joinToken = ConfigValues.orEmptyText(joinToken);
        names = ConfigValues.orEmpty(names);
        addresses = ConfigValues.orEmpty(addresses);
        if (names.isEmpty() && addresses.isEmpty()) {
            addresses = List.of("127.0.0.1");
        }
        for (String name : names) {
            if (name == null || !name.matches(DNS_NAME)) {
                throw new IllegalArgumentException("tls.names: '" + name + "' is not a lower-case DNS name");
            }
        }
        for (String address : addresses) {
            if (address == null || !address.matches(NodeCertificate.IP_LITERAL)) {
                throw new IllegalArgumentException("tls.addresses: '" + address + "' is not an IP address");
            }
        }
        controlPlaneUrls = ControlPlanes.oneOf("tls.controlPlaneUrl", ConfigValues.orEmpty(controlPlaneUrl),
                "tls.controlPlaneUrls", controlPlaneUrls, false);
        String key = controlPlaneUrl != null && controlPlaneUrl.isPresent() ? "tls.controlPlaneUrl"
                : "tls.controlPlaneUrls";
        for (URI u : controlPlaneUrls) {
            if (!"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an https://host:port URL, was " + u);
            }
        }
        controlPlaneUrl = controlPlaneUrls.stream().findFirst();
        renewBefore = ConfigValues.positive("tls.renewBefore", renewBefore, Duration.ofDays(10));
        renewCheckInterval = ConfigValues.positive("tls.renewCheckInterval", renewCheckInterval,
                Duration.ofHours(1));
        caSha256 = ConfigValues.orEmpty(caSha256).map(p -> NodeCertificate.caPin("tls.caSha256", p));
    }

    /** TLS state in {@code dir}, no HTTPS listener, no join token, no mutual TLS to the control plane. */
    public static EdgeTls in(String dir) {
        return new EdgeTls(dir, null, null, null, null, null, null, null, null, null);
    }

    public EdgeTls withListen(String newListen) {
        return new EdgeTls(dir, Optional.of(newListen), joinToken, names, addresses, null, listed(), renewBefore,
                renewCheckInterval, caSha256);
    }

    public EdgeTls withJoin(String token, List<String> newNames, List<String> newAddresses) {
        return new EdgeTls(dir, listen, Optional.of(token), newNames, newAddresses, null, listed(), renewBefore,
                renewCheckInterval, caSha256);
    }

    public EdgeTls withControlPlaneUrl(URI url) {
        return new EdgeTls(dir, listen, joinToken, names, addresses, Optional.of(url), null, renewBefore,
                renewCheckInterval, caSha256);
    }

    public EdgeTls withRenewal(Duration before, Duration checkInterval) {
        return new EdgeTls(dir, listen, joinToken, names, addresses, null, listed(), before, checkInterval,
                caSha256);
    }

    /** Joins only a control plane whose CA has this SHA-256 fingerprint. */
    public EdgeTls withCaSha256(String pin) {
        return new EdgeTls(dir, listen, joinToken, names, addresses, null, listed(), renewBefore,
                renewCheckInterval, Optional.of(pin));
    }

    /** Several node listeners, tried in this order. */
    public EdgeTls withControlPlaneUrls(List<URI> urls) {
        return new EdgeTls(dir, listen, joinToken, names, addresses, null, urls, renewBefore, renewCheckInterval,
                caSha256);
    }

    /** {@code controlPlaneUrls} for a copy: null when none is set (the key absent), so the copy validates. */
    private List<URI> listed() {
        return controlPlaneUrls.isEmpty() ? null : controlPlaneUrls;
    }

    /** What the node certificate needs: directory, join token, names and addresses, CA pin. */
    public NodeCertificate.Settings certificate() {
        return new NodeCertificate.Settings(java.nio.file.Path.of(dir), joinToken, names, addresses, caSha256);
    }

    public Optional<ListenAddress> listenAddress() {
        return listen.map(ListenAddress::parse);
    }
}
