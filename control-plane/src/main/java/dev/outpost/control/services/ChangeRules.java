package dev.outpost.control.services;

import dev.outpost.common.service.DeliveryService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a change of one delivery service means for what the edges hold, decided from the definitions before and
 * after alone (no I/O): the purge it needs, and its one-line summary for the history.
 *
 * <p>Purge rules. A field that decides <em>which</em> stored object answers a request, or <em>whether</em> it may
 * be shared, makes objects stored under the old rules wrong, so they are removed (hard purge of the service's old
 * hosts): {@code cacheKey} (keys now map differently: an object stored for one URL could answer another),
 * {@code requestHeaders} (objects were fetched with a different set of client headers, e.g. personalised ones),
 * {@code cacheSetCookie} turned off (stored answers carry a client's Set-Cookie), {@code shareCredentialed} turned
 * off (stored answers to credentialed requests must no longer be shared). Turning either of those two on stores
 * more from now on and makes nothing stored wrong: no purge. Hosts a service no longer serves, and every host of a
 * deleted service, are removed too: nothing may answer from them should the host be served again later.
 *
 * <p>A changed {@code origins} list is a <em>soft</em> purge (revalidate against the new origin), unless a hard
 * reason is also present: the stored object is still the URL's last known representation, a strong validator the
 * new origin matches (a moved or mirrored site) keeps it without a refill, and a new origin that serves different
 * content replaces each object on its next request, while edges do not stampede a fresh origin with a full refill
 * of everything at once. An operator who wants the old content gone at once purges hard as well.
 * {@code signing} and added hosts change nothing stored: no purge.
 */
public final class ChangeRules {
    private ChangeRules() {
    }

    /** The purge the change from {@code before} to {@code after} needs (absent = the service did not/no longer exists). */
    public static Optional<PurgePlan> purgeFor(Optional<DeliveryService> before, Optional<DeliveryService> after) {
        if (before.isEmpty()) {
            return Optional.empty();
        }
        DeliveryService old = before.get();
        if (after.isEmpty()) {
            return Optional.of(new PurgePlan(old.hosts(), false, List.of("service deleted")));
        }
        DeliveryService now = after.get();
        List<String> hard = new ArrayList<>();
        if (!old.cacheKey().equals(now.cacheKey())) {
            hard.add("cacheKey");
        }
        if (!old.requestHeaders().equals(now.requestHeaders())) {
            hard.add("requestHeaders");
        }
        if (old.cacheSetCookie() && !now.cacheSetCookie()) {
            hard.add("cacheSetCookie");
        }
        if (old.shareCredentialed() && !now.shareCredentialed()) {
            hard.add("shareCredentialed");
        }
        Set<String> removedHosts = new LinkedHashSet<>(old.hosts());
        removedHosts.removeAll(now.hosts());
        // a region's own origin list counts as origins: its edges fetch from it
        boolean originsChanged = !old.origins().equals(now.origins())
                || !old.regionOrigins().equals(now.regionOrigins());
        List<String> reasons = new ArrayList<>(hard);
        if (originsChanged) {
            reasons.add("origins");
        }
        if (!hard.isEmpty() || originsChanged) {
            return Optional.of(new PurgePlan(old.hosts(), hard.isEmpty() && removedHosts.isEmpty(),
                    withRemoved(reasons, removedHosts)));
        }
        if (!removedHosts.isEmpty()) {
            return Optional.of(new PurgePlan(List.copyOf(removedHosts), false, withRemoved(reasons, removedHosts)));
        }
        return Optional.empty();
    }

    private static List<String> withRemoved(List<String> reasons, Set<String> removedHosts) {
        List<String> out = new ArrayList<>(reasons);
        if (!removedHosts.isEmpty()) {
            out.add("hosts removed " + removedHosts);
        }
        return out;
    }

    /** The history's one-line account of a change: created, deleted, or the fields that changed. */
    public static String summary(Optional<DeliveryService> before, Optional<DeliveryService> after) {
        if (before.isEmpty() && after.isPresent()) {
            return "created: hosts " + after.get().hosts() + ", origins " + after.get().origins();
        }
        if (after.isEmpty()) {
            return "deleted";
        }
        DeliveryService a = before.get();
        DeliveryService b = after.get();
        List<String> fields = new ArrayList<>();
        addIfChanged(fields, "hosts", a.hosts(), b.hosts());
        addIfChanged(fields, "origins", a.origins(), b.origins());
        addIfChanged(fields, "regionOrigins", a.regionOrigins(), b.regionOrigins());
        addIfChanged(fields, "shieldRegion", a.shieldRegion(), b.shieldRegion());
        addIfChanged(fields, "cacheKey", a.cacheKey(), b.cacheKey());
        addIfChanged(fields, "cacheSetCookie", a.cacheSetCookie(), b.cacheSetCookie());
        addIfChanged(fields, "signing", a.signing(), b.signing());
        addIfChanged(fields, "requestHeaders", a.requestHeaders(), b.requestHeaders());
        addIfChanged(fields, "shareCredentialed", a.shareCredentialed(), b.shareCredentialed());
        return fields.isEmpty() ? "unchanged" : "changed " + String.join(", ", fields);
    }

    private static void addIfChanged(List<String> fields, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            fields.add(name);
        }
    }
}
