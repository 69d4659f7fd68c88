package dev.outpost.control.dns;

import dev.outpost.control.steering.Candidate;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.SteeringSource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * The DNS front door of steering: which edges a query for a CDN name gets, by the same {@link Steering} as the 302
 * and the route API. Only edges whose public URL host is a literal address of the asked family can be answered (a
 * DNS answer carries no port: edges steered by DNS listen on the port clients use). The route API asks here too,
 * to explain a DNS answer ({@code via=dns}).
 */
public final class DnsSteering {
    private final SteeringSource source;

    public DnsSteering(SteeringSource source) {
        this.source = source;
    }

    /** Who asks: the EDNS Client Subnet ({@code sourcePrefix} > 0) or else the resolver's own address. */
    public record Client(byte[] address, int sourcePrefix, boolean fromSubnetOption) {
        public Client {
            address = address.clone();
        }

        /** The resolver's own address, no subnet option. */
        public static Client resolver(InetAddress source) {
            byte[] a = source.getAddress();
            return new Client(a, a.length * 8, false);
        }

        String text() {
            String address = hostAddress(this.address);
            return fromSubnetOption ? address + "/" + sourcePrefix : address;
        }
    }

    /**
     * The decision, the addresses to answer (the policy's order, at most {@code answers}) and the ECS scope of the
     * answer.
     */
    public record Answer(Decision decision, List<InetAddress> addresses, int scopePrefix) {
    }

    /** {@code ipv6}: an AAAA query, else A. */
    public Answer decide(String name, boolean ipv6, Client client, int answers) {
        return decide(source.view(), name, ipv6, client, answers);
    }

    /** As {@link #decide(String, boolean, Client, int)}, with the view the caller also reports on. */
    public Answer decide(SteeringSource.View view, String name, boolean ipv6, Client client, int answers) {
        var steering = view.steering();
        List<Candidate> answerable = view.edges().stream().filter(e -> address(e, ipv6).isPresent()).toList();
        Decision decision = steering.decideForResolver(client.address(), client.text(), name, answerable);
        List<InetAddress> addresses = decision.ranked().stream().limit(answers)
                .map(e -> address(e, ipv6).orElseThrow()).toList();
        int scope = client.fromSubnetOption()
                ? steering.scopePrefix(client.address(), client.sourcePrefix(), decision) : 0;
        return new Answer(decision, addresses, scope);
    }

    /** Whether any edge at all may take traffic now (else a query is answered SERVFAIL, not "no such record"). */
    boolean anyEligible() {
        return source.view().edges().stream().anyMatch(Candidate::eligible);
    }

    private static Optional<InetAddress> address(Candidate edge, boolean ipv6) {
        String host = edge.publicUrl().getHost();
        if (host == null) {
            return Optional.empty();
        }
        return Cidr.literal(host).filter(a -> a.length == (ipv6 ? 16 : 4)).map(a -> {
            try {
                return InetAddress.getByAddress(a);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
            }
        });
    }

    private static String hostAddress(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 or IPv6 address: " + address.length + " bytes", e);
        }
    }
}
