package dev.outpost.control.steering;

import dev.outpost.control.BalancingSettings;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The policy of a request: its service's (by host name), else its serving region's, else the default. One instance
 * of each policy serves every region (round robin keeps its turns per region).
 */
public final class Policies {
    private final Map<String, Policy> byName;
    private final Policy defaultPolicy;
    private final Map<String, String> regions;
    private final Map<String, String> services;

    public Policies(BalancingSettings settings) {
        byName = List.of(new RendezvousPolicy(), new RoundRobinPolicy(),
                new WeightedRoundRobinPolicy(settings.weights()), new LeastConnectionsPolicy(),
                new LeastResponseTimePolicy(), new IpHashPolicy(), new BoundedLoadPolicy(settings.loadFactor()))
                .stream().collect(Collectors.toUnmodifiableMap(Policy::name, Function.identity()));
        defaultPolicy = byName.get(settings.policy());
        regions = settings.regions();
        services = settings.services();
    }

    /** Rendezvous everywhere: today's default. */
    public static Policies rendezvous() {
        return new Policies(BalancingSettings.DEFAULTS);
    }

    /** {@code host} as the client named it (lower case, no port). */
    public Policy of(String host, String servingRegion) {
        String service = services.get(host.toLowerCase(Locale.ROOT));
        if (service != null) {
            return byName.get(service);
        }
        return byName.getOrDefault(regions.getOrDefault(servingRegion, ""), defaultPolicy);
    }
}
