package dev.outpost.control.steering;

import dev.outpost.common.json.Json;
import dev.outpost.control.BalancingSettings;
import dev.outpost.control.ControlPlaneConfig;
import tools.jackson.databind.SerializationFeature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Everything a steering decision reads, as the control plane serves it to steering replicas ({@code GET
 * /api/v1/steering/state}): the client networks of every region (the config's and the GeoIP file's, resolved, so a
 * replica maps clients exactly as the control plane does), the default region, the latency between regions, the
 * load-balancing settings, and every edge with its health, caught-up state and load. {@code version} is a digest of
 * all of that (not of {@code generatedAt}): equal versions decide equally, and it is the feed's ETag.
 */
public record SteeringState(String version, Instant generatedAt, List<ControlPlaneConfig.Region> regions,
        String defaultRegion, Map<String, Map<String, Duration>> latency, BalancingSettings balancing,
        List<Candidate> edges) {
    public SteeringState {
        regions = List.copyOf(regions);
        latency = Map.copyOf(latency);
        edges = List.copyOf(edges);
    }

    /** The rules part: what a replica rebuilds its {@link Steering} from (edges change far more often). */
    public record Rules(List<ControlPlaneConfig.Region> regions, String defaultRegion,
            Map<String, Map<String, Duration>> latency, BalancingSettings balancing) {
    }

    /** What the version is a digest of. */
    private record Content(Rules rules, List<Candidate> edges) {
    }

    /** A state of {@code rules} and {@code edges}, versioned by their digest. */
    public static SteeringState of(Instant generatedAt, Rules rules, List<Candidate> edges) {
        return new SteeringState(digest(new Content(rules, edges)), generatedAt, rules.regions(),
                rules.defaultRegion(), rules.latency(), rules.balancing(), edges);
    }

    public Rules rules() {
        return new Rules(regions, defaultRegion, latency, balancing);
    }

    /** Steering by these rules; {@code clientAddress} is the instance's own (which proxies it sits behind). */
    public Steering steering(ClientAddress clientAddress) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        regions.forEach(r -> names.add(r.name()));
        return new Steering(new RegionTable(regions, defaultRegion), new LatencyMatrix(latency), names,
                clientAddress, new Policies(balancing));
    }

    /** The ETag of this state: its version, quoted (RFC 9110 section 8.8.3). */
    public String etag() {
        return "\"" + version + "\"";
    }

    private static String digest(Content content) {
        try {
            // map entries sorted: equal content gives one version on every control plane (immutable maps iterate in
            // an order that differs between JVMs)
            byte[] json = Json.mapper().writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsBytes(content);
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(json);
            return HexFormat.of().formatHex(sha, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
