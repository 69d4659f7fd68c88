package dev.outpost.common.wire;

import dev.outpost.common.service.DeliveryService;
import java.util.List;

/**
 * The whole delivery-service configuration at one version, handed to a node that cannot build it change by change:
 * on registration and when its catch-up is reset. The node replaces every service it runs with {@code services}.
 *
 * @param version  the configuration version (0: the control plane defines no services yet)
 * @param services every service defined at that version
 */
public record ServiceSnapshot(long version, List<DeliveryService> services) {
    public ServiceSnapshot {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        services = services == null ? List.of() : List.copyOf(services);
    }
}
