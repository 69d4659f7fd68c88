package dev.outpost.control.http;

import dev.outpost.common.json.Json;
import dev.outpost.control.services.ServiceChanges;
import dev.outpost.control.services.ServiceStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON answers of {@code /api/v1/services} (docs/services.md shows each one). */
final class ServiceViews {
    private ServiceViews() {
    }

    /** {@code GET /api/v1/services}: the configuration version and every service. */
    record Services(long version, List<Service> services) {
    }

    /** One service: the version that last changed it (its ETag) and its definition. */
    record Service(String name, long version, JsonNode definition) {
        static Service of(ServiceStore.Version v, boolean secrets) {
            return new Service(v.service(), v.version(), tree(v, secrets));
        }
    }

    /**
     * The answer to an accepted change: the new version, its log entry ({@code id} {@code c-<sequence>}), the
     * definition (absent when deleted), the purge it logged right after (absent when none was needed), and
     * {@code unchanged} when the definition was already the current one (nothing logged).
     */
    record Changed(String name, long version, String id, long sequence, Optional<JsonNode> definition,
            Optional<ServiceStore.Purged> purged, String summary, boolean unchanged) {
        static Changed of(ServiceChanges.Accepted a, boolean secrets) {
            ServiceStore.Version v = a.version();
            return new Changed(v.service(), v.version(), "c-" + v.sequence(), v.sequence(),
                    v.definition().map(d -> tree(v, secrets)), v.purged(), v.summary(), a.unchanged());
        }
    }

    /** {@code GET /api/v1/services/{name}/versions}. */
    record History(String name, List<VersionSummary> versions) {
    }

    /** One row of the history: who changed what, when, and what it purged. */
    record VersionSummary(long version, String id, long sequence, Instant changedAt, String changedBy,
            String summary, boolean deleted, Optional<ServiceStore.Purged> purged) {
        static VersionSummary of(ServiceStore.Version v) {
            return new VersionSummary(v.version(), "c-" + v.sequence(), v.sequence(), v.changedAt(), v.changedBy(),
                    v.summary(), v.deletes(), v.purged());
        }
    }

    /**
     * One version with its delivery: {@code progress} is its config entry per edge (as {@code GET
     * /api/v1/purges/{id}} shows a purge; an edge that refused it is dead-lettered with its reason), {@code purge}
     * the purge entry it logged; both absent once compacted from the log.
     */
    record VersionDetail(String name, long version, String id, long sequence, Instant changedAt, String changedBy,
            String summary, boolean deleted, Optional<JsonNode> definition, Optional<Views.Entry> progress,
            Optional<ServiceStore.Purged> purged, Optional<Views.Entry> purge) {
        static VersionDetail of(ServiceStore.Version v, boolean secrets, Optional<Views.Entry> progress,
                Optional<Views.Entry> purge) {
            return new VersionDetail(v.service(), v.version(), "c-" + v.sequence(), v.sequence(), v.changedAt(),
                    v.changedBy(), v.summary(), v.deletes(), v.definition().map(d -> tree(v, secrets)), progress,
                    v.purged(), purge);
        }
    }

    /** {@code GET /api/v1/services/{name}/diff}. */
    record Diff(String name, long from, long to, List<ServiceDiff.Change> changes) {
    }

    /** A version's definition as JSON ({@code null} for a deletion), secrets fingerprinted unless shown. */
    static JsonNode tree(ServiceStore.Version v, boolean secrets) {
        if (v.definition().isEmpty()) {
            return Json.mapper().nullNode();
        }
        JsonNode tree = Json.mapper().readTree(v.definition().get());
        if (!secrets) {
            for (JsonNode key : tree.path("signing").path("keys")) {
                if (key instanceof ObjectNode object && object.has("secret")) {
                    object.put("secret", ServiceEndpoints.fingerprint(object.get("secret").asString()));
                }
            }
        }
        return tree;
    }
}
