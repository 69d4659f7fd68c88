package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which load-balancing policy picks the edge within a region ({@code balancing} in the control-plane config). The
 * policy of a request is its service's (by host name), else its serving region's, else {@code policy}. Absent keys
 * take the defaults; a bad value fails start-up naming its key.
 *
 * @param policy     default policy; one of {@link #POLICIES}; default {@code rendezvous}
 * @param regions    policy per region ({@code {eu: least-connections}})
 * @param services   policy per delivery service, by its host name ({@code {cdn.outpost.test: round-robin}})
 * @param weights    edge weights for {@code weighted-round-robin} by edge id ({@code {eu-1: 3}}); default 1, 1..1000
 * @param loadFactor how far above the mean load an edge may go under {@code rendezvous-bounded-load} before it
 *                   sheds to the next edge in the key's order; at least 1, default 1.25
 */
public record BalancingSettings(String policy, Map<String, String> regions, Map<String, String> services,
        Map<String, Integer> weights, Double loadFactor) {
    public static final List<String> POLICIES = List.of("rendezvous", "round-robin", "weighted-round-robin",
            "least-connections", "least-response-time", "ip-hash", "rendezvous-bounded-load");
    public static final BalancingSettings DEFAULTS = new BalancingSettings(null, null, null, null, null);

    public BalancingSettings {
        policy = checkPolicy("balancing.policy", ConfigValues.or(policy, "rendezvous"));
        regions = ConfigValues.orEmpty(regions);
        regions.forEach((region, name) -> checkPolicy("balancing.regions." + region, name));
        services = ConfigValues.orEmpty(services);
        Map<String, String> lowerCase = new java.util.LinkedHashMap<>();
        services.forEach((host, name) -> {
            checkPolicy("balancing.services." + host, name);
            if (lowerCase.put(host.toLowerCase(Locale.ROOT), name) != null) {
                throw new IllegalArgumentException("balancing.services: host '" + host + "' is listed twice");
            }
        });
        services = Map.copyOf(lowerCase);
        weights = ConfigValues.orEmpty(weights);
        weights.forEach((edge, weight) -> ConfigValues.between("balancing.weights." + edge, weight, 1, 1, 1000));
        loadFactor = ConfigValues.or(loadFactor, 1.25);
        if (!(loadFactor >= 1 && loadFactor <= 100)) {
            throw new IllegalArgumentException("balancing.loadFactor must be within 1..100, was " + loadFactor);
        }
    }

    private static String checkPolicy(String key, String name) {
        if (!POLICIES.contains(name)) {
            throw new IllegalArgumentException(key + " must be one of " + POLICIES + ", was '" + name + "'");
        }
        return name;
    }
}
