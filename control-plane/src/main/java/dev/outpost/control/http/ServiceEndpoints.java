package dev.outpost.control.http;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.Scope;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.services.ServiceChanges;
import dev.outpost.control.services.ServiceStore;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import java.util.function.Predicate;
import tools.jackson.databind.node.ObjectNode;

/**
 * The delivery-service resources under {@code /api/v1/services} (docs/services.md): list, get, put, delete, the
 * history, one version with its per-edge progress, the diff of two versions and the rollback. Definitions are read
 * by the same constructor the edge uses ({@link DeliveryService}), so a 422 names the field the edge would have
 * named; nothing invalid reaches the log. Signing secrets are shown only to tokens with scope {@code config}: a
 * {@code read} token sees each as {@code sha256:<first 12 hex digits>}, enough to see that it changed.
 */
final class ServiceEndpoints {
    private final ServiceChanges changes;
    private final ServiceStore store;
    private final InvalidationLog log;

    private final Predicate<String> shield;

    ServiceEndpoints(ServiceChanges changes, InvalidationLog log, Predicate<String> shield) {
        this.shield = shield;
        this.changes = changes;
        this.store = changes.store();
        this.log = log;
    }

    /** {@code GET /api/v1/services}. */
    void list(HttpServerExchange exchange) {
        boolean secrets = Auth.principal(exchange).may(Scope.CONFIG);
        HttpJson.send(exchange, 200, new ServiceViews.Services(store.version(), store.current().stream()
                .map(v -> ServiceViews.Service.of(v, secrets)).toList()));
    }

    /** {@code GET /api/v1/services/{name}}: the current definition, its version as the ETag. */
    void show(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        ServiceStore.Version current = store.latest(name).filter(v -> !v.deletes())
                .orElseThrow(() -> ApiException.notFound("no service '" + name + "'"));
        exchange.getResponseHeaders().put(Headers.ETAG, ServiceChanges.etag(current.version()));
        HttpJson.send(exchange, 200, ServiceViews.Service.of(current, Auth.principal(exchange).may(Scope.CONFIG)));
    }

    /** {@code PUT /api/v1/services/{name}}: 201 created, 200 changed (or unchanged: nothing logged). */
    void put(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        DeliveryService definition = definition(name, JsonBody.bytes(exchange));
        answer(exchange, changes.put(definition, precondition(exchange), Auth.principal(exchange).name()));
    }

    /** {@code DELETE /api/v1/services/{name}}. */
    void delete(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        answer(exchange, changes.delete(name, precondition(exchange), Auth.principal(exchange).name()));
    }

    /** {@code POST /api/v1/services/{name}/rollback?to=N}. */
    void rollback(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        long to = version(Queries.first(exchange, "to").orElseThrow(() -> ApiException.badRequest("bad_version",
                "to: the version to roll back to is required, e.g. ?to=3")), "to");
        answer(exchange, changes.rollback(name, to, precondition(exchange), Auth.principal(exchange).name()));
    }

    /** {@code GET /api/v1/services/{name}/versions}: newest first. */
    void history(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        var history = store.history(name);
        if (history.isEmpty()) {
            throw ApiException.notFound("no service '" + name + "' (it never existed)");
        }
        HttpJson.send(exchange, 200, new ServiceViews.History(name, history.stream()
                .map(ServiceViews.VersionSummary::of).toList()));
    }

    /**
     * {@code GET /api/v1/services/{name}/versions/{version}[?wait=5s]}: the version's definition and its progress
     * per edge (applied, refused = dead-lettered with the edge's reason, pending, behind), and the purge it logged.
     */
    void version(HttpServerExchange exchange) throws InterruptedException {
        String name = RouteTable.parameter(exchange, "name");
        long number = version(RouteTable.parameter(exchange, "version"), "version");
        ServiceStore.Version v = store.version(name, number).orElseThrow(() -> ApiException.notFound(
                "service '" + name + "' has no version " + number));
        Optional<Duration> wait = Queries.first(exchange, "wait").map(EntryEndpoints::parseWait);
        if (wait.isPresent()) {
            log.awaitComplete(v.sequence(), wait.get());
        }
        Optional<Views.Entry> progress = entry(v.sequence());
        Optional<Views.Entry> purge = v.purged().flatMap(p -> entry(p.sequence()));
        HttpJson.send(exchange, 200, ServiceViews.VersionDetail.of(v, Auth.principal(exchange).may(Scope.CONFIG),
                progress, purge));
    }

    /** {@code GET /api/v1/services/{name}/diff?from=A&to=B}: field by field; {@code to} defaults to the newest. */
    void diff(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "name");
        long from = version(Queries.first(exchange, "from").orElseThrow(() -> ApiException.badRequest(
                "bad_version", "from: the version to compare from is required, e.g. ?from=3&to=5")), "from");
        ServiceStore.Version a = store.version(name, from).orElseThrow(() -> ApiException.notFound(
                "service '" + name + "' has no version " + from));
        ServiceStore.Version b = Queries.first(exchange, "to").map(t -> version(t, "to"))
                .map(to -> store.version(name, to).orElseThrow(() -> ApiException.notFound("service '" + name
                        + "' has no version " + to)))
                .orElseGet(() -> store.latest(name).orElseThrow());
        boolean secrets = Auth.principal(exchange).may(Scope.CONFIG);
        HttpJson.send(exchange, 200, new ServiceViews.Diff(name, a.version(), b.version(),
                ServiceDiff.between(ServiceViews.tree(a, secrets), ServiceViews.tree(b, secrets))));
    }

    private Optional<Views.Entry> entry(long sequence) {
        Optional<LoggedEntry> logged = log.entry(sequence);
        return logged.map(e -> Views.Entry.of(e, log.deliveries(sequence), shield));
    }

    private static void answer(HttpServerExchange exchange, ServiceChanges.Accepted accepted) {
        exchange.getResponseHeaders().put(Headers.ETAG, ServiceChanges.etag(accepted.version().version()));
        HttpJson.send(exchange, accepted.created() ? 201 : 200, ServiceViews.Changed.of(accepted,
                Auth.principal(exchange).may(Scope.CONFIG)));
    }

    private static ServiceChanges.Precondition precondition(HttpServerExchange exchange) {
        return new ServiceChanges.Precondition(
                Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.IF_MATCH)),
                Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH)));
    }

    /**
     * The body as a definition named {@code name}: 400 for what is not a JSON object or names another service, 422
     * naming the field for what the edge's own constructor refuses.
     */
    static DeliveryService definition(String name, byte[] body) {
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("bad_json", "request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.badRequest("bad_json", "request body must be a JSON object: the service's definition");
        }
        ObjectNode object = (ObjectNode) tree;
        JsonNode given = object.get("name");
        if (given != null && !given.isNull() && !given.asString().equals(name)) {
            throw ApiException.badRequest("name_mismatch", "name: '" + given.asString() + "' in the body is not the "
                    + "service '" + name + "' of the path");
        }
        object.put("name", name);
        // A misspelt key named as such, with the keys known there (Jackson's own message names Java classes).
        ConfigFiles.unknownKey(object, DeliveryService.class).ifPresent(problem -> {
            throw new ApiException(422, "invalid_service", problem);
        });
        try {
            return Json.mapper().treeToValue(object, DeliveryService.class);
        } catch (JacksonException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof IllegalArgumentException invalid) {
                    throw new ApiException(422, "invalid_service", invalid.getMessage());
                }
            }
            throw new ApiException(422, "invalid_service", e.getOriginalMessage());
        }
    }

    private static long version(String value, String field) {
        if (!value.matches("[1-9][0-9]{0,17}")) {
            throw ApiException.badRequest("bad_version", field + " must be a version number, was '" + value + "'");
        }
        return Long.parseLong(value);
    }

    /** The hex SHA-256 prefix a read-only token sees instead of a secret. */
    static String fingerprint(String secret) {
        return "sha256:" + ControlPlaneConfig.sha256(secret).substring(0, 12);
    }
}
