package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.Scope;
import dev.outpost.control.invalidation.DeadLetter;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.services.ServiceStore;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dead letters: {@code GET /api/v1/dead-letters} lists them (open ones by default), {@code POST
 * /api/v1/dead-letters/{sequence}/{node}/retry} pushes one to its edge again (answered once the edge answered),
 * {@code POST .../discard} gives up on it. Both actions need the scope of the entry's kind ({@code purge} or {@code
 * push}) and are idempotent: a retry of a dead letter already retried answers it as it stands, a discard of a
 * discarded one too; a retry of a discarded one, or a discard of a retried one, is {@code 409}; a pair that was
 * never dead-lettered (or whose entry was compacted away) is {@code 404}.
 */
final class DeadLetterEndpoints {
    private static final Pattern AFTER = Pattern.compile("([1-9][0-9]{0,17}):([A-Za-z0-9._-]{1,64})");
    private static final Pattern SEQUENCE = Pattern.compile("[1-9][0-9]{0,17}");

    private final InvalidationLog log;
    private final Dispatcher dispatcher;
    private final Registry registry;
    private final ServiceStore services;

    DeadLetterEndpoints(InvalidationLog log, Dispatcher dispatcher, Registry registry, ServiceStore services) {
        this.services = services;
        this.log = log;
        this.dispatcher = dispatcher;
        this.registry = registry;
    }

    /**
     * {@code GET /api/v1/dead-letters}: {@code ?node=} one edge's, {@code ?state=open} (default) or {@code all}
     * (retried and discarded too), {@code ?limit=} 1..500 (default 100), {@code ?after=<sequence>:<node>} the
     * cursor a previous page's {@code next} carries.
     */
    void list(HttpServerExchange exchange) {
        Optional<String> node = Queries.first(exchange, "node").map(v -> {
            if (!v.matches("[A-Za-z0-9._-]{1,64}")) {
                throw ApiException.badRequest("bad_node", "node must be a node id, was '" + v + "'");
            }
            return v;
        });
        boolean openOnly = Queries.first(exchange, "state").map(v -> switch (v) {
            case "open" -> true;
            case "all" -> false;
            default -> throw ApiException.badRequest("bad_state", "state must be open or all, was '" + v + "'");
        }).orElse(true);
        int limit = Queries.first(exchange, "limit").map(v -> {
            if (!v.matches("\\d{1,4}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 500) {
                throw ApiException.badRequest("bad_limit", "limit must be 1..500, was '" + v + "'");
            }
            return Integer.parseInt(v);
        }).orElse(100);
        long afterSequence = 0;
        String afterNode = "";
        Optional<String> after = Queries.first(exchange, "after");
        if (after.isPresent()) {
            Matcher m = AFTER.matcher(after.get());
            if (!m.matches()) {
                throw ApiException.badRequest("bad_after", "after must be <sequence>:<node> as a page's next "
                        + "gives it, was '" + after.get() + "'");
            }
            afterSequence = Long.parseLong(m.group(1));
            afterNode = m.group(2);
        }
        List<DeadLetter> page = log.deadLetters().list(node, openOnly, afterSequence, afterNode, limit + 1);
        boolean more = page.size() > limit;
        List<Views.DeadLetter> shown = page.stream().limit(limit).map(Views.DeadLetter::of).toList();
        Optional<String> next = Optional.empty();
        if (more) {
            Views.DeadLetter last = shown.get(shown.size() - 1);
            next = Optional.of("?limit=" + limit + node.map(n -> "&node=" + n).orElse("")
                    + (openOnly ? "" : "&state=all") + "&after=" + last.sequence() + ":" + last.node());
        }
        HttpJson.send(exchange, 200, new Views.DeadLetters(shown, more, next));
    }

    /** {@code POST /api/v1/dead-letters/{sequence}/{node}/retry}. */
    void retry(HttpServerExchange exchange) {
        DeadLetter letter = find(exchange);
        LoggedEntry entry = log.entry(letter.sequence()).orElseThrow(() -> gone(letter));
        requireScope(exchange, entry.entry().kind(), "retry");
        if (letter.state() == Delivery.State.APPLIED) {
            HttpJson.send(exchange, 200, Views.DeadLetter.of(letter)); // retried before: nothing to do again
            return;
        }
        if (letter.state() == Delivery.State.DISCARDED) {
            throw new ApiException(409, "dead_letter_discarded", "entry " + letter.sequence() + " on " + letter.node()
                    + " was discarded; purge or push again to reach the edge");
        }
        Node node = registry.node(letter.node()).orElseThrow(() -> new ApiException(409, "edge_not_registered",
                "edge '" + letter.node() + "' is not registered (removed); discard the dead letter"));
        if (node.fenced()) {
            throw new ApiException(409, "edge_fenced", "edge '" + letter.node() + "' is fenced: it revalidates "
                    + "everything it holds when it returns, which covers this entry; discard the dead letter");
        }
        requireNewestConfig(entry.entry());
        Dispatcher.RetryOutcome outcome = dispatcher.retryDeadLetter(entry.entry(), node);
        if (!outcome.applied()) {
            throw new ApiException(502, "retry_failed", "edge '" + letter.node() + "' did not apply entry "
                    + letter.sequence() + ": " + outcome.detail() + "; the dead letter stays open");
        }
        HttpJson.send(exchange, 200, Views.DeadLetter.of(current(letter)));
    }

    /** {@code POST /api/v1/dead-letters/{sequence}/{node}/discard}. */
    void discard(HttpServerExchange exchange) {
        DeadLetter letter = find(exchange);
        InvalidationEntry.Kind kind = letter.kind();
        requireScope(exchange, kind, "discard");
        if (letter.state() == Delivery.State.APPLIED) {
            throw new ApiException(409, "dead_letter_applied", "entry " + letter.sequence() + " on "
                    + letter.node() + " was applied on a retry; there is nothing to discard");
        }
        if (letter.state() == Delivery.State.DEAD_LETTERED) {
            log.deadLetters().markDiscarded(letter.sequence(), letter.node(), Auth.principal(exchange).name());
        }
        HttpJson.send(exchange, 200, Views.DeadLetter.of(current(letter)));
    }

    private DeadLetter find(HttpServerExchange exchange) {
        String sequence = RouteTable.parameter(exchange, "sequence");
        String node = RouteTable.parameter(exchange, "node");
        if (!SEQUENCE.matcher(sequence).matches()) {
            throw ApiException.notFound("no dead letter for entry '" + sequence + "' (a sequence number)");
        }
        return log.deadLetters().find(Long.parseLong(sequence), node).orElseThrow(() -> ApiException.notFound(
                "no dead letter for entry " + sequence + " on edge '" + node + "' (never dead-lettered, or its "
                        + "entry is past the log's retention)"));
    }

    private DeadLetter current(DeadLetter letter) {
        return log.deadLetters().find(letter.sequence(), letter.node()).orElseThrow(() -> gone(letter));
    }

    private static ApiException gone(DeadLetter letter) {
        return ApiException.notFound("entry " + letter.sequence() + " is past the log's retention");
    }

    /**
     * A configuration change is retried only while it is the newest: unlike a purge, an older change applied after
     * newer ones would take the edge back to an older configuration. A superseded one is discarded; the newer
     * versions (or a snapshot on the edge's next reset) carry the configuration.
     */
    private void requireNewestConfig(InvalidationEntry entry) {
        if (entry.kind() == InvalidationEntry.Kind.CONFIG && entry.config().version() < services.version()) {
            throw new ApiException(409, "config_superseded", "configuration version " + entry.config().version()
                    + " was superseded by version " + services.version() + "; retrying it would take the edge "
                    + "back; discard this dead letter (change the service again to reach the edge)");
        }
    }

    /** Retrying or discarding a purge's dead letter takes scope purge, a push's push, a configuration change's config. */
    private static void requireScope(HttpServerExchange exchange, InvalidationEntry.Kind kind, String action) {
        Scope needed = switch (kind) {
            case PUSH -> Scope.PUSH;
            case PURGE -> Scope.PURGE;
            case CONFIG -> Scope.CONFIG;
        };
        Principal who = Auth.principal(exchange);
        if (!who.may(needed)) {
            throw new ApiException(403, "forbidden", "token '" + who.name() + "' lacks scope " + needed.wireName()
                    + ", which it takes to " + action + " a dead letter of a " + kind.name().toLowerCase(
                    java.util.Locale.ROOT));
        }
    }
}
