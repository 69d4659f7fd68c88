package dev.outpost.control.steering;

import java.util.List;
import java.util.Optional;

/**
 * Which address a request really comes from. {@code X-Forwarded-For} is believed only when the peer is a trusted
 * proxy, and then only as far back as the hops are themselves trusted proxies: walking the list from the right,
 * the first address that is not a trusted proxy is the client (anything left of it could be forged by that client).
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** The client's literal address; {@code peer} is the socket's remote address. */
    public String resolve(String peer, Optional<String> forwardedFor) {
        if (forwardedFor.isEmpty() || !trusted(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.get().split(",");
        String client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (Cidr.literal(hop).isEmpty()) {
                break; // garbage: stop at the last address we could vouch for
            }
            client = hop;
            if (!trusted(hop)) {
                break;
            }
        }
        return client;
    }

    private boolean trusted(String address) {
        Optional<byte[]> bytes = Cidr.literal(address);
        return bytes.isPresent() && trustedProxies.stream().anyMatch(c -> c.contains(bytes.get()));
    }
}
