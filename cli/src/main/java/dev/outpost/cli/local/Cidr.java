package dev.outpost.cli.local;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 network such as {@code 127.0.2.0/24}: which clients belong to a region, and where that region's edges and
 * WAN relay get their addresses. IPv4 only, since the local topology lives in 127.0.0.0/8.
 */
record Cidr(int network, int prefix) {
    private static final Pattern DOTTED = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix must be 0..32, was " + prefix);
        }
        network &= mask(prefix);
    }

    /** Parses {@code a.b.c.d/n}; the message says what is wrong, the caller names the field. */
    static Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("must be a network such as 127.0.2.0/24, was empty");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not a network such as 127.0.2.0/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric prefix length");
        }
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("'" + text + "': prefix length must be 0..32");
        }
        return new Cidr(ipv4(text.substring(0, slash)), prefix);
    }

    /** Parses a dotted IPv4 literal without ever asking DNS. */
    static int ipv4(String text) {
        var m = DOTTED.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address such as 127.0.2.1");
        }
        int value = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (octet " + octet + ")");
            }
            value = value << 8 | octet;
        }
        return value;
    }

    static String dotted(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "."
                + (address & 0xff);
    }

    static InetAddress inet(String dottedAddress) {
        int value = ipv4(dottedAddress);
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16),
                    (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }

    boolean contains(InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            return false;
        }
        byte[] b = address.getAddress();
        int value = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
        return (value & mask(prefix)) == network;
    }

    /** The n-th address of the network ({@code 127.0.2.0/24}, 1 → {@code 127.0.2.1}). */
    String host(int n) {
        if (n < 1 || n >= size() - 1) {
            throw new IllegalArgumentException(this + " has no host number " + n);
        }
        return dotted(network + n);
    }

    long size() {
        return 1L << (32 - prefix);
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    @Override
    public String toString() {
        return dotted(network) + "/" + prefix;
    }
}
