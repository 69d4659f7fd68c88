package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.IdempotencyKey;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.invalidation.NewEntry;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /api/v1/origin-events}: an origin's change notice purges its path on every host of that origin, unless
 * it announces a write-through upload's own change ({@link RecentWrites}), which already purged. The route table has
 * checked the listener, the token, the origin (and, on the node listener, that the certificate is that origin's)
 * and the body; the notice's Idempotency-Key replays the first answer; the budget is spent once it is accepted.
 */
final class OriginEventsEndpoint {
    private final InvalidationLog log;
    private final Dispatcher dispatcher;
    private final RecentWrites recentWrites;

    OriginEventsEndpoint(InvalidationLog log, Dispatcher dispatcher, RecentWrites recentWrites) {
        this.log = log;
        this.dispatcher = dispatcher;
        this.recentWrites = recentWrites;
    }

    void notice(HttpServerExchange exchange) {
        Principal who = Auth.principal(exchange);
        ControlPlaneConfig.Origin origin = Origins.of(exchange);
        Optional<IdempotencyKey> key = IdempotencyKeys.of(exchange, who, JsonBody.bytes(exchange));
        ChangeNotice notice = JsonBody.read(exchange, ChangeNotice.class);
        if (EntryEndpoints.replayed(exchange, log, key)) {
            return;
        }
        NewEntry purge = originPurge(origin, notice);
        RateLimiter.spend(exchange);
        boolean[] replay = {false};
        LoggedEntry answer = recentWrites.notice(origin.id(), notice, () -> {
            InvalidationLog.Appended appended = dispatcher.submit(purge, who.name(), key);
            replay[0] = appended.replayed();
            return appended.logged();
        });
        // answered with a write-through's purge: a retry with this key must get the same answer
        key.ifPresent(k -> log.remember(k, answer.sequence()));
        if (replay[0]) {
            exchange.getResponseHeaders().put(new HttpString(IdempotencyKeys.REPLAYED), "true");
        }
        EntryEndpoints.accepted(exchange, answer);
    }

    /** A change notice purges its path on every host of the origin that sent it. */
    private static NewEntry originPurge(ControlPlaneConfig.Origin origin, ChangeNotice notice) {
        if (!notice.path().startsWith("/") || notice.path().chars().anyMatch(c -> c <= ' ')) {
            throw ApiException.badRequest("bad_path", "path must start with '/' and hold no spaces, was '"
                    + notice.path() + "'");
        }
        List<String> urls = origin.hosts().stream().map(h -> "http://" + h + notice.path()).toList();
        urls.forEach(u -> EntryRequests.checkUrl("path", u));
        return NewEntry.purgeUrls(urls);
    }
}
