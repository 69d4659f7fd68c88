package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.Scope;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.IdempotencyKey;
import dev.outpost.control.invalidation.Ids;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.invalidation.NewEntry;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The invalidation log's resources: {@code POST /api/v1/purges} and {@code /pushes}, their listings and single
 * entries. Each POST reads its body once ({@link JsonBody}): Idempotency-Key replay first (a retry costs no budget),
 * then validation, the purge-all check, the rate limit, and the durable append. The route table
 * ({@link ApiRoutes}) has checked the method, the token's scope and the body's type and size.
 */
final class EntryEndpoints {
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final Pattern WAIT = Pattern.compile("(\\d{1,6})(ms|s)");

    private final EntryRequests requests;
    private final InvalidationLog log;
    private final Dispatcher dispatcher;

    /** Whether a node (by id) is a shield: its deliveries count in the shield tier of an entry's progress. */
    private final Predicate<String> shield;

    EntryEndpoints(ControlPlaneConfig config, InvalidationLog log, Dispatcher dispatcher, Predicate<String> shield) {
        this.shield = shield;
        this.requests = new EntryRequests(config.regionNames(), config.maxUrlsPerCall(),
                config.log().maxEntryBytes());
        this.log = log;
        this.dispatcher = dispatcher;
    }

    /** {@code POST /api/v1/purges}. */
    void purge(HttpServerExchange exchange) {
        Principal who = Auth.principal(exchange);
        Optional<IdempotencyKey> key = IdempotencyKeys.of(exchange, who, JsonBody.bytes(exchange));
        if (replayed(exchange, log, key)) {
            return;
        }
        PurgeRequest request = JsonBody.read(exchange, PurgeRequest.class);
        NewEntry purge = requests.purge(request);
        requireConfirmedPurgeAll(purge, request, who);
        RateLimiter.spend(exchange);
        submit(exchange, purge, who, key);
    }

    /** {@code POST /api/v1/pushes}. */
    void push(HttpServerExchange exchange) {
        Principal who = Auth.principal(exchange);
        Optional<IdempotencyKey> key = IdempotencyKeys.of(exchange, who, JsonBody.bytes(exchange));
        if (replayed(exchange, log, key)) {
            return;
        }
        NewEntry push = requests.push(JsonBody.read(exchange, PushRequest.class));
        RateLimiter.spend(exchange);
        submit(exchange, push, who, key);
    }

    static void accepted(HttpServerExchange exchange, LoggedEntry logged) {
        HttpJson.send(exchange, 202, new Views.Accepted(logged.id(), logged.sequence(), "pending"));
    }

    /**
     * Logs the entry (or, for a repeated Idempotency-Key, answers the first one) and answers 202; a key used for
     * another request is refused by the log ({@link IdempotencyKey.Reused}).
     */
    private void submit(HttpServerExchange exchange, NewEntry entry, Principal who, Optional<IdempotencyKey> key) {
        InvalidationLog.Appended appended = dispatcher.submit(entry, who.name(), key);
        if (appended.replayed()) {
            exchange.getResponseHeaders().put(new HttpString(IdempotencyKeys.REPLAYED), "true");
        }
        accepted(exchange, appended.logged());
    }

    /** Answers a retried request (its Idempotency-Key was used for the same request) with the first answer. */
    static boolean replayed(HttpServerExchange exchange, InvalidationLog log, Optional<IdempotencyKey> key) {
        if (key.isEmpty()) {
            return false;
        }
        Optional<LoggedEntry> first = log.replay(key.get());
        first.ifPresent(e -> {
            exchange.getResponseHeaders().put(new HttpString(IdempotencyKeys.REPLAYED), "true");
            accepted(exchange, e);
        });
        return first.isPresent();
    }

    /**
     * A purge that empties a whole host or everything must say so ({@code confirmPurgeAll: true}) and come from a
     * token with scope {@code purge:all}: a typo in a prefix must not empty a site.
     */
    private void requireConfirmedPurgeAll(NewEntry purge, PurgeRequest request, Principal who) {
        Optional<String> empties = EntryRequests.wholeHost(purge);
        if (empties.isEmpty()) {
            return;
        }
        if (!request.confirmPurgeAll()) {
            throw ApiException.badRequest("confirmation_required", "this purge empties " + empties.get()
                    + "; set confirmPurgeAll: true to confirm (it also needs a token with scope purge:all)");
        }
        if (!who.may(Scope.PURGE_ALL)) {
            throw new ApiException(403, "forbidden", "token '" + who.name() + "' lacks scope purge:all, which "
                    + "emptying " + empties.get() + " needs");
        }
    }

    /**
     * {@code GET /api/v1/purges} (or pushes): newest first, {@code ?limit=} 1..500 (default 50), {@code ?before=}
     * a sequence to page on; cut at {@code log.maxListingBytes} of answer, with {@code more} and the
     * {@code next} query to go on with.
     */
    void listing(HttpServerExchange exchange, Kind kind) {
        int limit = Queries.first(exchange, "limit").map(v -> {
            if (!v.matches("\\d{1,4}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 500) {
                throw ApiException.badRequest("bad_limit", "limit must be 1..500, was '" + v + "'");
            }
            return Integer.parseInt(v);
        }).orElse(50);
        OptionalLong before = Queries.first(exchange, "before").map(v -> {
            if (!v.matches("[1-9][0-9]{0,17}")) {
                throw ApiException.badRequest("bad_before", "before must be a sequence number, was '" + v + "'");
            }
            return OptionalLong.of(Long.parseLong(v));
        }).orElse(OptionalLong.empty());
        InvalidationLog.Listing listing = log.recent(kind, limit, before);
        List<Views.Entry> entries = new ArrayList<>();
        long bytes = 0;
        boolean more = listing.more();
        for (LoggedEntry e : listing.entries()) {
            Views.Entry view = Views.Entry.of(e, log.deliveries(e.sequence()), shield);
            long size = Json.bytes(view).length;
            if (!entries.isEmpty() && bytes + size > log.settings().maxListingBytes()) {
                more = true;
                break;
            }
            bytes += size;
            entries.add(view);
        }
        Optional<String> next = more && !entries.isEmpty()
                ? Optional.of("?limit=" + limit + "&before=" + entries.get(entries.size() - 1).sequence())
                : Optional.empty();
        HttpJson.send(exchange, 200, kind == Kind.PURGE ? new Views.Purges(entries, more, next)
                : new Views.Pushes(entries, more, next));
    }

    /** {@code GET /api/v1/purges/{id}[?wait=]} (or pushes). */
    void show(HttpServerExchange exchange, Kind kind) throws InterruptedException {
        String id = RouteTable.parameter(exchange, "id");
        OptionalLong sequence = Ids.parse(kind, id);
        LoggedEntry logged = (sequence.isPresent() ? log.entry(sequence.getAsLong()) : Optional.<LoggedEntry>empty())
                .filter(e -> e.entry().kind() == kind)
                .orElseThrow(() -> ApiException.notFound("no " + (kind == Kind.PURGE ? "purge" : "push") + " '" + id
                        + "'"));
        Optional<Duration> wait = Queries.first(exchange, "wait").map(EntryEndpoints::parseWait);
        if (wait.isPresent()) {
            log.awaitComplete(logged.sequence(), wait.get());
        }
        HttpJson.send(exchange, 200, Views.Entry.of(logged, log.deliveries(logged.sequence()), shield));
    }

    static Duration parseWait(String value) {
        Matcher m = WAIT.matcher(value);
        if (!m.matches()) {
            throw ApiException.badRequest("bad_wait", "wait must look like 5s or 500ms, was '" + value + "'");
        }
        Duration wait = m.group(2).equals("s") ? Duration.ofSeconds(Long.parseLong(m.group(1)))
                : Duration.ofMillis(Long.parseLong(m.group(1)));
        if (wait.compareTo(MAX_WAIT) > 0) {
            throw ApiException.badRequest("bad_wait", "wait must be at most " + MAX_WAIT.toSeconds() + "s, was '"
                    + value + "'");
        }
        return wait;
    }
}
