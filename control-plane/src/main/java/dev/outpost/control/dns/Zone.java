package dev.outpost.control.dns;

import dev.outpost.control.DnsSettings;
import dev.outpost.control.steering.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;

/**
 * The fixed records of the zone served: its SOA (the name server as MNAME, {@code hostmaster.<zone>}, a serial from
 * the start time, and the answer TTL as the negative-caching TTL, RFC 2308), its NS and the name server's addresses
 * (glue). What a name is ({@link #kindOf}) decides how a query for it is answered.
 */
final class Zone {
    /** What a name under the zone is. */
    enum Kind { APEX, STEERED, NAME_SERVER, EMPTY_NON_TERMINAL, NONE, OUTSIDE }

    private final DnsSettings settings;
    private final Name apex;
    private final SOARecord soa;
    private final NSRecord ns;
    private final List<Record> glue;

    Zone(DnsSettings settings, long serial) {
        this.settings = settings;
        this.apex = name(settings.zone());
        long ttl = settings.ttl().toSeconds();
        Name nameServer = name(settings.nameServer());
        // refresh, retry, expire: RFC 1912's suggestions; nothing transfers this zone, they only have to be sane.
        this.soa = new SOARecord(apex, DClass.IN, ttl, nameServer, name("hostmaster." + settings.zone()),
                serial & 0xFFFFFFFFL, 3600, 600, 1_209_600, ttl);
        this.ns = new NSRecord(apex, DClass.IN, ttl, nameServer);
        this.glue = DnsSettings.inZone(settings.nameServer(), settings.zone())
                ? settings.nameServerAddresses().stream().map(a -> address(nameServer, ttl, a)).toList()
                : List.of();
    }

    Kind kindOf(String name) {
        if (!DnsSettings.inZone(name, settings.zone())) {
            return Kind.OUTSIDE;
        }
        if (name.equals(settings.zone())) {
            return Kind.APEX;
        }
        if (settings.names().contains(name)) {
            return Kind.STEERED;
        }
        if (name.equals(settings.nameServer())) {
            return Kind.NAME_SERVER;
        }
        boolean parentOfSome = settings.names().stream().anyMatch(n -> n.endsWith("." + name))
                || settings.nameServer().endsWith("." + name);
        return parentOfSome ? Kind.EMPTY_NON_TERMINAL : Kind.NONE;
    }

    SOARecord soa() {
        return soa;
    }

    NSRecord ns() {
        return ns;
    }

    /** The name server's A records ({@code ipv6} false) or AAAA records. */
    List<Record> glue(boolean ipv6) {
        return glue.stream().filter(r -> r instanceof AAAARecord == ipv6).toList();
    }

    long ttl() {
        return settings.ttl().toSeconds();
    }

    int answers() {
        return settings.answers();
    }

    static String text(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    static Record address(Name name, long ttl, InetAddress address) {
        return address.getAddress().length == 4 ? new ARecord(name, DClass.IN, ttl, address)
                : new AAAARecord(name, DClass.IN, ttl, address);
    }

    private static Record address(Name name, long ttl, String literal) {
        try {
            return address(name, ttl, InetAddress.getByAddress(Cidr.literal(literal).orElseThrow()));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("dns.nameServerAddresses: " + literal, e);
        }
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + text, e);
        }
    }
}
