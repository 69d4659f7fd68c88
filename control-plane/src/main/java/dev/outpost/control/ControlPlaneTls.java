package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Certificates;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The control plane's TLS settings ({@code tls} in {@code cp.yml}): with this block the control plane keeps a CA in
 * {@code <data>/ca}, takes joins, and opens a second, mutual-TLS listener for node traffic (registration,
 * heartbeats, renewals); its own certificate for that listener and for pushing to edges is issued from its CA at
 * every start and renewed while it runs.
 *
 * @param nodeListen          the mutual-TLS node listener, {@code host:port}; required
 * @param names               DNS names in the control plane's certificate (how nodes reach the node listener)
 * @param addresses           IP addresses in it; default {@code [127.0.0.1]} when no name is given either
 * @param certificateValidity validity of every certificate issued (nodes and the control plane); default 30 days
 * @param maxJoinTokenTtl     longest a join token may stay usable; default 7 days
 * @param allowPlainOriginEvents whether origin change notices are still taken on the plain API listener (with a
 *                           bearer token alone); default false: only over the node listener, from the origin's
 *                           own certificate
 */
public record ControlPlaneTls(String nodeListen, List<String> names, List<String> addresses,
        Duration certificateValidity, Duration maxJoinTokenTtl, Boolean allowPlainOriginEvents) {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    public static final Duration DEFAULT_MAX_JOIN_TTL = Duration.ofDays(7);

    public ControlPlaneTls {
        if (nodeListen == null) {
            throw new IllegalArgumentException("tls.nodeListen must be set (host:port of the mutual-TLS node listener)");
        }
        try {
            ListenAddress.parse(nodeListen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls.nodeListen: " + e.getMessage());
        }
        names = ConfigValues.orEmpty(names).stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        addresses = ConfigValues.orEmpty(addresses);
        if (names.isEmpty() && addresses.isEmpty()) {
            addresses = List.of("127.0.0.1");
        }
        for (String name : names) {
            if (!name.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException("tls.names: '" + name + "' is not a DNS name");
            }
        }
        addresses.forEach(a -> address("tls.addresses", a));
        certificateValidity = ConfigValues.or(certificateValidity, DEFAULT_VALIDITY);
        if (certificateValidity.compareTo(Duration.ofMinutes(10)) < 0
                || certificateValidity.compareTo(CertificateAuthority.MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("tls.certificateValidity must be 10m..397d, was " + certificateValidity);
        }
        maxJoinTokenTtl = ConfigValues.positive("tls.maxJoinTokenTtl", maxJoinTokenTtl, DEFAULT_MAX_JOIN_TTL);
        allowPlainOriginEvents = ConfigValues.or(allowPlainOriginEvents, false);
    }

    /** Node listener on {@code nodeListen}, certificate for 127.0.0.1, defaults elsewhere. */
    public static ControlPlaneTls on(String nodeListen) {
        return new ControlPlaneTls(nodeListen, null, null, null, null, null);
    }

    public ListenAddress nodeListenAddress() {
        return ListenAddress.parse(nodeListen);
    }

    /** The DNS names of the control plane's own certificate: the configured ones and the reserved marker name. */
    public List<String> certificateNames() {
        return java.util.stream.Stream.concat(names.stream(), java.util.stream.Stream.of(
                Certificates.CONTROL_PLANE_NAME)).distinct().toList();
    }

    public List<InetAddress> certificateAddresses() {
        return addresses.stream().map(a -> address("tls.addresses", a)).toList();
    }

    /** An IP literal, never a lookup. */
    public static InetAddress address(String key, String literal) {
        if (!literal.matches("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException(key + ": '" + literal + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(key + ": '" + literal + "' is not an IP address");
        }
    }
}
