package dev.outpost.common.service;

import dev.outpost.common.config.ConfigValues;
import java.util.ArrayList;
import java.util.List;

/**
 * How a delivery service's URLs become cache keys.
 *
 * @param dropParams query parameters left out of the key and out of the origin request; a trailing {@code *} is a
 *                   prefix glob ({@code utm_*}). Default: {@code utm_*}, {@code fbclid}, {@code gclid}
 * @param sortParams sort the remaining parameters so {@code ?a=1&b=2} and {@code ?b=2&a=1} share an entry
 */
public record CacheKeyRules(List<String> dropParams, Boolean sortParams) {
    public static final CacheKeyRules DEFAULTS = new CacheKeyRules(null, null);

    public CacheKeyRules {
        dropParams = List.copyOf(ConfigValues.or(dropParams, List.of("utm_*", "fbclid", "gclid")));
        for (String glob : dropParams) {
            if (glob.isEmpty() || glob.indexOf('*') >= 0 && glob.indexOf('*') != glob.length() - 1) {
                throw new IllegalArgumentException("cacheKey.dropParams: '" + glob
                        + "' must be a name or a prefix ending in '*'");
            }
        }
        sortParams = ConfigValues.or(sortParams, true);
    }

    /** These rules, also dropping {@code names} (e.g. the signed-URL parameters). */
    public CacheKeyRules dropping(List<String> names) {
        List<String> all = new ArrayList<>(dropParams);
        names.stream().filter(n -> !all.contains(n)).forEach(all::add);
        return new CacheKeyRules(all, sortParams);
    }
}
