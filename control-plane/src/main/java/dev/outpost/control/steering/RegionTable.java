package dev.outpost.control.steering;

import dev.outpost.control.ControlPlaneConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Client address → region, by the CIDR table of the config (IPv4 and IPv6) plus, optionally, a GeoIP CSV file of
 * {@code network,region} lines. The most specific (longest prefix) match wins, so a /24 carved out of a /8 of
 * another region works; no match → the default region. A linear scan: fine for the hundreds of networks a config
 * holds; a full GeoIP database would want a trie.
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
        this(regions, defaultRegion, List.of());
    }

    private RegionTable(List<ControlPlaneConfig.Region> regions, String defaultRegion, List<Row> extra) {
        for (ControlPlaneConfig.Region region : regions) {
            for (String cidr : region.cidrs()) {
                rows.add(new Row(Cidr.parse(cidr), region.name()));
            }
        }
        rows.addAll(extra);
        rows.sort((a, b) -> Integer.compare(b.cidr().prefixLength(), a.cidr().prefixLength()));
        this.defaultRegion = defaultRegion;
    }

    /**
     * The config's table plus the networks of a GeoIP CSV: one {@code network,region} per line ({@code
     * 203.0.113.0/24,eu}); blank lines, {@code #} comments and a {@code network,region} header are skipped. A bad
     * line fails naming the file and line.
     */
    public static RegionTable withGeoIp(List<ControlPlaneConfig.Region> regions, String defaultRegion, Path csv) {
        Set<String> known = new java.util.HashSet<>();
        regions.forEach(r -> known.add(r.name()));
        List<Row> extra = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("geoipCsv " + csv + ": cannot read: " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || i == 0 && line.equalsIgnoreCase("network,region")) {
                continue;
            }
            String[] parts = line.split(",");
            String where = "geoipCsv " + csv + " line " + (i + 1) + ": ";
            if (parts.length != 2) {
                throw new IllegalArgumentException(where + "expected 'network,region', was '" + line + "'");
            }
            String region = parts[1].strip();
            if (!known.contains(region)) {
                throw new IllegalArgumentException(where + "region '" + region + "' is not configured " + known);
            }
            try {
                extra.add(new Row(Cidr.parse(parts[0].strip()), region));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
        }
        return new RegionTable(regions, defaultRegion, extra);
    }

    /**
     * The whole table (the config's networks and the GeoIP file's) as regions with their networks, in the order of
     * {@code names}: what a steering replica builds the same table from.
     */
    public List<ControlPlaneConfig.Region> resolved(java.util.Collection<String> names) {
        return names.stream().map(name -> new ControlPlaneConfig.Region(name, rows.stream()
                .filter(r -> r.region().equals(name)).map(r -> r.cidr().text()).toList())).toList();
    }

    public String defaultRegion() {
        return defaultRegion;
    }

    public Match regionOf(byte[] address) {
        for (Row row : rows) {
            if (row.cidr().contains(address)) {
                return new Match(row.region(), Optional.of(row.cidr().text()));
            }
        }
        return new Match(defaultRegion, Optional.empty());
    }

    /**
     * How many leading bits of {@code address} decide its region: the matched network's prefix, lengthened by any
     * more specific network carved out of it, so every address sharing that many bits gets the same region (the
     * scope of an EDNS Client Subnet answer, RFC 7871 section 7.2.1). A prefix-length-equal network either holds the
     * address or is disjoint from every address sharing those bits, so the longest one inside the match is enough.
     */
    public int scopeOf(byte[] address) {
        Optional<Row> matched = rows.stream().filter(r -> r.cidr().contains(address)).findFirst();
        int scope = matched.map(r -> r.cidr().prefixLength()).orElse(0);
        for (Row row : rows) {
            byte[] network = row.cidr().network();
            boolean inside = network.length == address.length && row.cidr().prefixLength() > scope
                    && matched.map(m -> m.cidr().contains(network)).orElse(true);
            if (inside) {
                scope = row.cidr().prefixLength();
            }
        }
        return scope;
    }
}
