package dev.outpost.control.services;

import java.util.List;

/**
 * The purge a service change needs (see {@link ChangeRules#purgeFor}): of whole {@code hosts}, hard (remove) or soft
 * (revalidate), because of the changed fields named in {@code reasons}.
 */
public record PurgePlan(List<String> hosts, boolean soft, List<String> reasons) {
    public PurgePlan {
        hosts = List.copyOf(hosts);
        reasons = List.copyOf(reasons);
    }
}
