package dev.outpost.control.steering;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 127.0.2.0/24}, {@code 2001:db8::/32}); a bare address is a /32
 * (or /128). Only literal addresses are accepted: a host name here would mean a DNS lookup at config load.
 */
public record Cidr(byte[] network, int prefixLength, String text) {
    public Cidr {
        network = network.clone();
    }

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("CIDR must not be empty");
        }
        int slash = text.indexOf('/');
        String host = slash < 0 ? text.trim() : text.substring(0, slash).trim();
        byte[] address = literal(host).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is not a CIDR: '" + host + "' is not an IPv4 or IPv6 address"));
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR: bad prefix length");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR: prefix length must be 0.." + bits);
            }
        }
        return new Cidr(mask(address, prefix), prefix, text.trim());
    }

    /** Parses a literal IPv4/IPv6 address without ever resolving a name. */
    public static Optional<byte[]> literal(String host) {
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        boolean looksLiteral = h.contains(":") ? h.matches("[0-9A-Fa-f:.%a-zA-Z]+") && h.contains(":")
                : h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (h.isEmpty() || !looksLiteral) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(h).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        return java.util.Arrays.equals(mask(address, prefixLength), network);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return text;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF << (8 - keep)));
        }
        return out;
    }
}
