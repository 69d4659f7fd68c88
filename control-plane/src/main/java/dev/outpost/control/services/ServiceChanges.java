package dev.outpost.control.services;

import dev.outpost.common.json.Json;
import dev.outpost.common.problem.Problem;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.invalidation.NewEntry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Accepts changes of the delivery-service configuration: checks the caller's precondition against the service's
 * current version, the rules no single definition can check (a host is served by one service only), makes the
 * change the next global configuration version and logs it, with the purge it needs ({@link ChangeRules}) right
 * after it, in one transaction ({@link Dispatcher#submitAll}). A change that changes nothing is answered as such and
 * logs nothing. Synchronized: the check and the write are one step, so two operators with the same {@code If-Match}
 * cannot both win (the second gets {@code 412}).
 */
public final class ServiceChanges {
    /**
     * What the caller expects of the service's current state: {@code If-Match} / {@code If-None-Match} entity tags
     * as sent ({@code *} or quoted versions), absent when not sent.
     */
    public record Precondition(Optional<String> ifMatch, Optional<String> ifNoneMatch) {
        public static final Precondition NONE = new Precondition(Optional.empty(), Optional.empty());
    }

    /**
     * An accepted change.
     *
     * @param version   the version row it wrote (or, unchanged, the current one)
     * @param created   the service did not exist before
     * @param unchanged the definition was the current one: nothing was logged
     */
    public record Accepted(ServiceStore.Version version, boolean created, boolean unchanged) {
    }

    private final ServiceStore store;
    private final Dispatcher dispatcher;
    private final Clock clock;

    public ServiceChanges(ServiceStore store, Dispatcher dispatcher, Clock clock) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.clock = clock;
    }

    public ServiceStore store() {
        return store;
    }

    /** The entity tag of a version: {@code "7"}. */
    public static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** Creates or replaces {@code definition} (already valid on its own; its name is the path's). */
    public synchronized Accepted put(DeliveryService definition, Precondition precondition, String by) {
        return untilNumbered(() -> putOnce(definition, precondition, by));
    }

    private Accepted putOnce(DeliveryService definition, Precondition precondition, String by) {
        Optional<ServiceStore.Version> current = current(definition.name());
        check(definition.name(), current, precondition, true);
        return write(definition.name(), current, Optional.of(definition), Json.mapper().writeValueAsString(definition),
                by, "");
    }

    /** Deletes the service; 404 when it does not exist. */
    public synchronized Accepted delete(String name, Precondition precondition, String by) {
        return untilNumbered(() -> deleteOnce(name, precondition, by));
    }

    private Accepted deleteOnce(String name, Precondition precondition, String by) {
        Optional<ServiceStore.Version> current = current(name);
        if (current.isEmpty()) {
            throw Problem.notFound("no service '" + name + "'");
        }
        check(name, current, precondition, true);
        return write(name, current, Optional.empty(), null, by, "");
    }

    /**
     * Makes version {@code to}'s definition (byte for byte) the service's next version; a precondition is checked
     * when given, not required: the target is named exactly.
     */
    public synchronized Accepted rollback(String name, long to, Precondition precondition, String by) {
        return untilNumbered(() -> rollbackOnce(name, to, precondition, by));
    }

    /** Tries before a change that keeps losing the race for the next version number is refused (409). */
    private static final int NUMBERING_TRIES = 5;

    /**
     * Runs a change until it is numbered: another control plane on the same database may have taken the version
     * it computed ({@link ServiceStore.VersionTaken}, its append rolled back whole), and then the change is read,
     * checked (its precondition included) and numbered again against the newer state.
     */
    private static Accepted untilNumbered(java.util.function.Supplier<Accepted> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                return change.get();
            } catch (ServiceStore.VersionTaken e) {
                if (attempt == NUMBERING_TRIES) {
                    throw new Problem(Problem.Kind.CONFLICT, "concurrent_change", "the configuration changed "
                            + NUMBERING_TRIES + " times while this change was being made; GET it again and retry");
                }
            }
        }
    }

    private Accepted rollbackOnce(String name, long to, Precondition precondition, String by) {
        ServiceStore.Version target = store.version(name, to).orElseThrow(() -> Problem.notFound("service '" + name
                + "' has no version " + to + " (GET /api/v1/services/" + name + "/versions lists them)"));
        if (target.deletes()) {
            throw new Problem(Problem.Kind.UNPROCESSABLE, "rollback_to_deletion", "version " + to + " deleted "
                    + "service '" + name + "'; DELETE the service instead");
        }
        Optional<ServiceStore.Version> current = current(name);
        check(name, current, precondition, false);
        return write(name, current, target.parsed(), target.definition().orElseThrow(), by,
                "rollback to version " + to + ": ");
    }

    private Optional<ServiceStore.Version> current(String name) {
        return store.latest(name).filter(v -> !v.deletes());
    }

    /** RFC 9110 section 13.2.2's order: If-Match, else If-None-Match; an update with neither is 428. */
    private static void check(String name, Optional<ServiceStore.Version> current, Precondition precondition,
            boolean requireOnUpdate) {
        Optional<String> etag = current.map(v -> etag(v.version()));
        if (precondition.ifMatch().isPresent()) {
            if (etag.isEmpty() || !matches(precondition.ifMatch().get(), etag.get())) {
                throw new Problem(Problem.Kind.PRECONDITION_FAILED, "precondition_failed", "If-Match "
                        + precondition.ifMatch().get() + " does not match service '" + name + "' "
                        + etag.map(t -> "at version " + t).orElse("(it does not exist)")
                        + "; GET it again, check what changed, and retry with its ETag");
            }
        } else if (precondition.ifNoneMatch().isPresent()) {
            if (etag.isPresent() && matches(precondition.ifNoneMatch().get(), etag.get())) {
                throw new Problem(Problem.Kind.PRECONDITION_FAILED, "precondition_failed", "If-None-Match "
                        + precondition.ifNoneMatch().get() + ": service '" + name + "' exists, at version "
                        + etag.get());
            }
        } else if (requireOnUpdate && current.isPresent()) {
            throw new Problem(Problem.Kind.PRECONDITION_REQUIRED, "precondition_required", "service '" + name
                    + "' exists (ETag " + etag.get() + "); send If-Match with the ETag you read, so a change made "
                    + "meanwhile is not overwritten");
        }
    }

    /** Whether a list of entity tags ({@code *}, or {@code "7", "8"}) matches {@code etag} by strong comparison. */
    static boolean matches(String header, String etag) {
        for (String tag : header.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private Accepted write(String name, Optional<ServiceStore.Version> current, Optional<DeliveryService> after,
            String json, String by, String summaryPrefix) {
        if (current.isPresent() && after.isPresent() && current.get().definition().orElseThrow().equals(json)) {
            return new Accepted(current.get(), false, true);
        }
        after.ifPresent(this::requireOwnHosts);
        Optional<DeliveryService> before = current.flatMap(ServiceStore.Version::parsed);
        Optional<PurgePlan> purge = ChangeRules.purgeFor(before, after);
        long version = store.version() + 1;
        String summary = summaryPrefix + ChangeRules.summary(before, after);
        List<NewEntry> entries = new ArrayList<>();
        entries.add(NewEntry.config(new ServiceChange(name, version, after.orElse(null))));
        purge.ifPresent(p -> entries.add(NewEntry.purgeHosts(p.hosts(), p.soft())));
        Instant now = clock.instant();
        List<LoggedEntry> logged = dispatcher.submitAll(entries, by,
                store.insert(version, name, Optional.ofNullable(json), now, by, summary, purge));
        ServiceStore.Version written = store.bySequence(logged.get(0).sequence()).orElseThrow();
        return new Accepted(written, current.isEmpty(), false);
    }

    /** A host is served by one service: the edge could not tell which of two should answer it. */
    private void requireOwnHosts(DeliveryService definition) {
        for (ServiceStore.Version other : store.current()) {
            if (other.service().equals(definition.name())) {
                continue;
            }
            List<String> taken = other.parsed().orElseThrow().hosts();
            for (String host : definition.hosts()) {
                if (taken.contains(host)) {
                    throw new Problem(Problem.Kind.UNPROCESSABLE, "host_conflict", "hosts: '" + host
                            + "' is already served by service '" + other.service() + "'; remove it there first");
                }
            }
        }
    }
}
