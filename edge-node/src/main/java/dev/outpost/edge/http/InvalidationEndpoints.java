package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.wire.AlreadyApplied;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.EdgePrefetch;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.edge.control.AppliedSequence;
import dev.outpost.edge.control.Invalidations;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * {@code POST /_edge/purge}, {@code POST /_edge/prefetch} and {@code POST /_edge/config}, the admin calls of the control plane's live pushes
 * (contract: {@link EdgeAdmin}). With {@value EdgeAdmin#SEQUENCE_HEADER} the call is the log's entry of that
 * sequence and goes through {@link Invalidations#apply}, exactly as the same entry from a heartbeat's catch-up
 * would: applied once and in order, {@link AlreadyApplied} when it was, {@code 409 not_registered} before the edge
 * registered. Without it (an operator's call) it is carried out at once.
 */
final class InvalidationEndpoints {
    private final Invalidations invalidations;

    InvalidationEndpoints(Invalidations invalidations) {
        this.invalidations = invalidations;
    }

    /** {@code POST /_edge/purge}. */
    void purge(HttpServerExchange exchange) throws IOException {
        EdgePurge call = HttpJson.read(AdminBodies.read(exchange, AdminBodies.MAX_JSON_BYTES), EdgePurge.class);
        OptionalLong sequence = sequence(exchange);
        Object answer;
        try {
            answer = sequence.isPresent() ? answer(call.entry(sequence.getAsLong()), exchange)
                    : invalidations.purge(call);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_purge", e.getMessage());
        }
        HttpJson.send(exchange, 200, answer);
    }

    /** {@code POST /_edge/prefetch}. */
    void prefetch(HttpServerExchange exchange) throws IOException {
        EdgePrefetch call = HttpJson.read(AdminBodies.read(exchange, AdminBodies.MAX_JSON_BYTES),
                EdgePrefetch.class);
        OptionalLong sequence = sequence(exchange);
        HttpJson.send(exchange, 200, sequence.isPresent() ? answer(call.entry(sequence.getAsLong()), exchange)
                : invalidations.prefetch(call, Requests.client(exchange)));
    }

    /**
     * {@code POST /_edge/config}: a config entry of the log (its sequence required: a configuration change only
     * comes from the control plane, in the log's order), answered {@link dev.outpost.common.wire.ConfigResult}.
     */
    void config(HttpServerExchange exchange) throws IOException {
        ServiceChange change = HttpJson.read(AdminBodies.read(exchange, AdminBodies.MAX_JSON_BYTES),
                ServiceChange.class);
        long sequence = sequence(exchange).orElseThrow(() -> ApiException.badRequest("missing_sequence",
                "POST " + EdgeAdmin.CONFIG_PATH + " needs " + EdgeAdmin.SEQUENCE_HEADER + ": configuration "
                        + "changes come from the control plane's log, in its order"));
        InvalidationEntry entry = new InvalidationEntry(sequence, InvalidationEntry.Kind.CONFIG, null, null, null,
                null, false, false, null, change);
        HttpJson.send(exchange, 200, answer(entry, exchange));
    }

    private Object answer(InvalidationEntry entry, HttpServerExchange exchange) {
        return switch (invalidations.apply(entry, Requests.client(exchange))) {
            case AppliedSequence.Applied<?> applied -> applied.result();
            case AppliedSequence.AlreadyApplied<?> already -> new AlreadyApplied(entry.sequence(), already.highest());
            case AppliedSequence.NotRegistered<?> notYet -> throw new ApiException(409, "not_registered",
                    "entry " + entry.sequence() + " not applied: this edge has not registered with a control plane "
                            + "yet, so it takes sequenced entries from its heartbeat catch-up");
        };
    }

    /** The sequence of a live push; empty for an operator's call; 400 {@code bad_sequence} for a malformed one. */
    private static OptionalLong sequence(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(EdgeAdmin.SEQUENCE_HEADER);
        if (header == null) {
            return OptionalLong.empty();
        }
        long sequence;
        try {
            sequence = Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            sequence = -1;
        }
        if (sequence <= 0) {
            throw ApiException.badRequest("bad_sequence", EdgeAdmin.SEQUENCE_HEADER + " must be a positive number, "
                    + "was '" + header + "'");
        }
        return OptionalLong.of(sequence);
    }
}
