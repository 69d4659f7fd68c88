package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.control.steering.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The authoritative DNS server of the control plane ({@code dns} in the control-plane config; absent → no DNS):
 * it answers A/AAAA for each CDN host name in {@code names} with the edge steering chooses for the client's network.
 * Absent keys take the defaults; a bad value fails start-up naming its key.
 *
 * @param listen              UDP and TCP address; default {@code 127.0.0.1:8053}
 * @param zone                the zone served, e.g. {@code outpost.test}: names under it that are not configured get
 *                            NXDOMAIN, names outside it REFUSED
 * @param names               the CDN host names steered, each inside the zone; default {@code cdn.<zone>}
 * @param ttl                 TTL of the steered answers (short: a health change reaches clients within it); whole
 *                            seconds, 1 s..1 h, default 30 s. SOA, NS and negative answers use it too
 * @param nameServer          the zone's name server (SOA MNAME and NS); default {@code ns.<zone>}
 * @param nameServerAddresses the name server's addresses, answered for its name when it is inside the zone (glue);
 *                            default the listen address when it is a specific one
 * @param answers             how many edges an answer lists, the policy's choice first (the others are the next in
 *                            its order, for clients that try several); 1..32, default 1
 * @param responsesPerSecond  UDP answers per second to one source network (/24 for IPv4, /56 for IPv6) before the
 *                            server answers it only with empty truncated replies, which sends real resolvers to TCP
 *                            and gives a spoofed flood nothing larger than its queries; default 100
 * @param tcpIdleTimeout      how long a TCP connection may wait between queries (RFC 7766); default 10 s
 * @param maxTcpConnections   TCP connections served at once; more are closed at once; default 128
 */
public record DnsSettings(String listen, String zone, List<String> names, Duration ttl, String nameServer,
        List<String> nameServerAddresses, Integer answers, Integer responsesPerSecond, Duration tcpIdleTimeout,
        Integer maxTcpConnections) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8053";

    public DnsSettings {
        listen = ConfigValues.or(listen, DEFAULT_LISTEN);
        try {
            ListenAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dns.listen: " + e.getMessage());
        }
        if (zone == null || zone.isBlank()) {
            throw new IllegalArgumentException("dns.zone must be set, e.g. outpost.test");
        }
        zone = hostName("dns.zone", zone);
        names = ConfigValues.orEmpty(names);
        List<String> normalized = new ArrayList<>();
        for (String name : names.isEmpty() ? List.of("cdn." + zone) : names) {
            String n = hostName("dns.names", name);
            if (!inZone(n, zone)) {
                throw new IllegalArgumentException("dns.names: '" + name + "' is not inside dns.zone '" + zone + "'");
            }
            if (normalized.contains(n)) {
                throw new IllegalArgumentException("dns.names: '" + name + "' is listed twice");
            }
            normalized.add(n);
        }
        names = List.copyOf(normalized);
        ttl = ConfigValues.atMost("dns.ttl", ttl, Duration.ofSeconds(30), Duration.ofHours(1));
        if (ttl.toMillis() % 1000 != 0 || ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("dns.ttl must be whole seconds, at least 1s, was " + ttl);
        }
        nameServer = hostName("dns.nameServer", ConfigValues.or(nameServer, "ns." + zone));
        if (names.contains(nameServer)) {
            throw new IllegalArgumentException("dns.nameServer '" + nameServer + "' is also one of dns.names");
        }
        if (nameServerAddresses == null) {
            String host = ListenAddress.parse(listen).host();
            Optional<byte[]> literal = Cidr.literal(host);
            boolean specific = literal.isPresent() && !java.util.Arrays.equals(literal.get(),
                    new byte[literal.get().length]);
            nameServerAddresses = specific ? List.of(host) : List.of();
        }
        for (String address : nameServerAddresses) {
            if (Cidr.literal(address).isEmpty()) {
                throw new IllegalArgumentException("dns.nameServerAddresses: '" + address
                        + "' is not an IPv4 or IPv6 address");
            }
        }
        nameServerAddresses = List.copyOf(nameServerAddresses);
        answers = ConfigValues.between("dns.answers", answers, 1, 1, 32);
        responsesPerSecond = ConfigValues.atLeast("dns.responsesPerSecond", responsesPerSecond, 100, 1);
        tcpIdleTimeout = ConfigValues.atMost("dns.tcpIdleTimeout", tcpIdleTimeout, Duration.ofSeconds(10),
                Duration.ofMinutes(5));
        maxTcpConnections = ConfigValues.between("dns.maxTcpConnections", maxTcpConnections, 128, 1, 65_536);
    }

    /** Just the zone, every other key at its default. */
    public static DnsSettings forZone(String listen, String zone) {
        return new DnsSettings(listen, zone, null, null, null, null, null, null, null, null);
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    /** Whether {@code name} (lower case, no trailing dot) is the zone's apex or below it. */
    public static boolean inZone(String name, String zone) {
        return name.equals(zone) || name.endsWith("." + zone);
    }

    private static String hostName(String key, String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        n = n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
        if (!n.matches("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
                || n.length() > 253) {
            throw new IllegalArgumentException(key + ": '" + name + "' is not a host name");
        }
        return n;
    }
}
