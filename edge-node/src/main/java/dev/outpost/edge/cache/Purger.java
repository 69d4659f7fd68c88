package dev.outpost.edge.cache;

import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.EdgePurgeResult;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Carries out purges on the store: by URL (every Vary variant), URL prefix, surrogate key, host, or everything;
 * hard (remove) or soft (mark stale, so the next request revalidates and the old copy stays usable on errors).
 * URLs are normalized with their delivery service's own key rules, and a service keys its objects whatever host
 * name the client used, so a purge naming any of the service's hosts hits the one entry (and a host purge empties
 * the whole service). Hosts no service here serves purge nothing and are named in the result. The request and the
 * answer are the admin API's wire records ({@link EdgePurge}, {@link EdgePurgeResult}); live pushes, the heartbeat
 * catch-up and operators' calls all come through it.
 */
public final class Purger {
    private final CacheStore store;
    private final Function<String, Optional<CacheKeys>> keysForHost;

    /** @param keysForHost the key normalizer of the delivery service serving a host; empty for hosts not served */
    public Purger(CacheStore store, Function<String, Optional<CacheKeys>> keysForHost) {
        this.store = store;
        this.keysForHost = keysForHost;
    }

    public EdgePurgeResult purge(EdgePurge request) {
        boolean soft = request.soft();
        Set<String> unknown = new LinkedHashSet<>();
        int count = 0;
        for (String url : request.urls()) {
            URI uri = parse(url);
            Optional<CacheKeys> keys = keysForHost.apply(uri.getHost());
            if (keys.isEmpty()) {
                unknown.add(uri.getHost());
                continue;
            }
            count += store.purge(keys.get().key(uri.getRawPath(), uri.getRawQuery()), soft);
        }
        for (String prefix : request.prefixes()) {
            URI uri = parse(prefix);
            Optional<CacheKeys> keys = keysForHost.apply(uri.getHost());
            if (keys.isEmpty()) {
                unknown.add(uri.getHost());
                continue;
            }
            String keyPrefix = keys.get().keyPrefix(uri.getRawPath(), uri.getRawQuery());
            count += store.purgeIf(k -> k.startsWith(keyPrefix), soft);
        }
        for (String tag : request.tags()) {
            count += store.purgeTag(tag, soft);
        }
        List<String> servicePrefixes = new ArrayList<>();
        for (String host : request.hosts()) {
            Optional<CacheKeys> keys = keysForHost.apply(host);
            if (keys.isEmpty()) {
                unknown.add(host);
            } else if (!servicePrefixes.contains(keys.get().serviceKeyPrefix())) {
                servicePrefixes.add(keys.get().serviceKeyPrefix());
            }
        }
        for (String keyPrefix : servicePrefixes) {
            count += store.purgeIf(k -> k.startsWith(keyPrefix), soft);
        }
        if (request.all()) {
            count += store.purgeIf(k -> true, soft);
        }
        List<String> unknownHosts = List.copyOf(unknown);
        return soft ? new EdgePurgeResult(unknownHosts, 0, count) : new EdgePurgeResult(unknownHosts, count, 0);
    }

    /**
     * Runs {@code purges} (calls of {@link #purge}) as one batch whose disk changes are flushed once per directory,
     * after the last of them, and are durable when this returns or throws (see {@link CacheStore#flushingOnce}).
     */
    public void flushingOnce(Runnable purges) {
        store.flushingOnce(purges);
    }

    private static URI parse(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("'" + url + "' is not an absolute http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not an absolute http(s) URL", e);
        }
    }
}
