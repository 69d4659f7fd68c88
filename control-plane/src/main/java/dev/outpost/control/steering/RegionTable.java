package dev.outpost.control.steering;

import dev.outpost.control.ControlPlaneConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Client address → region, by the CIDR table of the config (IPv4 and IPv6). The most specific (longest prefix)
 * match wins, so a /24 carved out of a /8 of another region works; no match → the default region.
 */
public final class RegionTable {
    private record Row(Cidr cidr, String region) {
    }

    /** The region of a client and the network that put it there; empty {@code cidr} = the default region. */
    public record Match(String region, Optional<String> cidr) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final String defaultRegion;

    public RegionTable(List<ControlPlaneConfig.Region> regions, String defaultRegion) {
        for (ControlPlaneConfig.Region region : regions) {
            for (String cidr : region.cidrs()) {
                rows.add(new Row(Cidr.parse(cidr), region.name()));
            }
        }
        rows.sort((a, b) -> Integer.compare(b.cidr().prefixLength(), a.cidr().prefixLength()));
        this.defaultRegion = defaultRegion;
    }

    public Match regionOf(byte[] address) {
        for (Row row : rows) {
            if (row.cidr().contains(address)) {
                return new Match(row.region(), Optional.of(row.cidr().text()));
            }
        }
        return new Match(defaultRegion, Optional.empty());
    }
}
