package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.EdgePrefetch;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The control plane's side of {@link EdgeAdmin}: one entry sent to one edge's admin API ({@code POST /_edge/purge},
 * {@code POST /_edge/prefetch}, {@code POST /_edge/config}, the sequence in {@code X-Outpost-Sequence}), and what the
 * edge's answer means for that delivery. A 2xx is the edge's ack, recorded with what it answered: a push that did not
 * store every URL as {@code failed} for that edge; a configuration change the edge refused, answered
 * {@code {"applied":false,"reason":...}}, dead-lettered for it with that reason at once (the edge keeps its previous
 * configuration and moves on). Any other answer, or none, is handed back as a {@link PushFailure} for
 * {@link OrderedDelivery} to classify.
 */
final class EdgeCalls {
    /** The dispatcher's logger: these lines are the dispatcher's to an operator. */
    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");

    private final InvalidationLog log;
    private final Registry registry;
    private final OkHttpClient client;
    private final Optional<String> edgeToken;
    /** True once the dispatcher closes: a call it cut short is expected, not worth a warning. */
    private final BooleanSupplier closing;

    EdgeCalls(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken,
            BooleanSupplier closing) {
        this.log = log;
        this.registry = registry;
        this.client = client;
        this.edgeToken = edgeToken;
        this.closing = closing;
    }

    /** Pushes one entry to the edge; records the ack (or the push's failure); empty on success, else why not. */
    Optional<PushFailure> push(InvalidationEntry entry, Node node) {
        Optional<URI> adminUrl = node.registration().adminUrl();
        if (adminUrl.isEmpty()) {
            return Optional.of(PushFailure.unanswered("edge has no admin URL"));
        }
        Request request = authorized(edgeRequest(adminUrl.get(), entry));
        log.sendingLive(entry.sequence(), node.id());
        try (Response response = call(request, entry)) {
            if (!response.isSuccessful()) {
                return Optional.of(PushFailure.answered(response));
            }
            registry.acked(node.id(), entry.sequence());
            // the edge's answer (what it removed or fetched) is shown as that edge's detail
            Optional<String> answer = summary(response);
            if (answer.isPresent() && PushResults.alreadyApplied(answer.get())) {
                // It applied the entry from a catch-up page first: what it did (a push's results, a purge's unknown
                // hosts) rides the heartbeat that reports its sequence, which settles the delivery. Marking it
                // applied here, without that, would let a waiting client see the entry complete but not what it did.
                return Optional.empty();
            }
            Optional<String> refusal = entry.kind() == Kind.CONFIG
                    ? ConfigResults.refusal(answer.orElse("")) : Optional.empty();
            if (refusal.isPresent()) {
                // the edge keeps its previous configuration and counts the entry as passed (acked above): recorded
                // as a dead letter with its reason, so it shows and an operator decides, and nothing waits for it
                refused(entry.sequence(), node.id(), refusal.get());
                return Optional.empty();
            }
            Optional<String> pushFailure = entry.kind() == Kind.PUSH
                    ? PushResults.failure(answer.orElse("")) : Optional.empty();
            if (pushFailure.isPresent()) {
                log.markFailed(entry.sequence(), node.id(), pushFailure.get());
            } else {
                log.markApplied(entry.sequence(), node.id(), answer);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(PushFailure.unanswered("push failed: " + e.getMessage()));
        } catch (RuntimeException e) {
            if (!closing.getAsBoolean()) {
                LOG.log(Level.WARNING, "pushing entry " + entry.sequence() + " to " + node.id() + " failed", e);
            }
            return Optional.of(PushFailure.unanswered("push failed: " + e));
        } finally {
            log.answeredLive(node.id());
        }
    }

    /** The edge answered a config entry with a refusal: dead-lettered for it with the edge's reason. */
    private void refused(long sequence, String nodeId, String reason) {
        if (log.deadLetters().markDeadLettered(sequence, nodeId, reason, true)) {
            LOG.log(Level.WARNING, () -> "configuration entry " + sequence + " " + reason + " (" + nodeId
                    + "); it keeps its previous configuration");
        }
    }

    /**
     * An operator's retry of entry {@code entry} dead-lettered for {@code node}: sends it as an operator's call
     * (without its sequence: the edge's mark is past it, so its in-order gate would answer "already applied"), and
     * records the outcome: applied with the edge's answer, or the dead letter stays open with the new reason.
     */
    Dispatcher.RetryOutcome operatorRetry(InvalidationEntry entry, Node node) {
        Optional<URI> adminUrl = node.registration().adminUrl();
        String failure;
        if (adminUrl.isEmpty()) {
            failure = "edge has no admin URL";
        } else {
            Request request = authorized(edgeRequest(adminUrl.get(), entry).removeHeader(EdgeAdmin.SEQUENCE_HEADER));
            try (Response response = call(request, entry)) {
                if (response.isSuccessful()) {
                    String answer = summary(response).orElse("");
                    Optional<String> pushFailure = entry.kind() == Kind.PUSH ? PushResults.failure(answer)
                            : entry.kind() == Kind.CONFIG ? ConfigResults.refusal(answer) : Optional.empty();
                    if (pushFailure.isEmpty()) {
                        log.deadLetters().markRetried(entry.sequence(), node.id(), "applied on an operator's retry: " + answer);
                        return new Dispatcher.RetryOutcome(true, answer);
                    }
                    failure = pushFailure.get();
                } else {
                    failure = PushFailure.refusal(response);
                }
            } catch (IOException | RuntimeException e) {
                failure = "push failed: " + e.getMessage();
            }
        }
        log.deadLetters().markRetryFailed(entry.sequence(), node.id(), "operator's retry failed: " + failure);
        return new Dispatcher.RetryOutcome(false, failure);
    }

    /**
     * The edge's own admin call for an entry ({@link EdgeAdmin}): a purge → {@code POST /_edge/purge}, a push →
     * {@code POST /_edge/prefetch}; the sequence rides along, so the edge applies it once and in order.
     */
    static Request.Builder edgeRequest(URI adminUrl, InvalidationEntry entry) {
        Object body = switch (entry.kind()) {
            case PUSH -> EdgePrefetch.of(entry);
            case PURGE -> EdgePurge.of(entry);
            case CONFIG -> entry.config();
        };
        String path = switch (entry.kind()) {
            case PUSH -> EdgeAdmin.PREFETCH_PATH;
            case PURGE -> EdgeAdmin.PURGE_PATH;
            case CONFIG -> EdgeAdmin.CONFIG_PATH;
        };
        return new Request.Builder().url(EdgeAdmin.url(adminUrl, path))
                .header(EdgeAdmin.SEQUENCE_HEADER, Long.toString(entry.sequence()))
                .post(RequestBody.create(Json.bytes(body), JSON));
    }

    private Request authorized(Request.Builder request) {
        edgeToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        return request.build();
    }

    /** Calls the edge, bounded by the entry's timeout. */
    private Response call(Request request, InvalidationEntry entry) throws IOException {
        return client.newBuilder().callTimeout(timeout(entry)).build().newCall(request).execute();
    }

    /**
     * A push makes the edge fetch every URL before it answers; a configuration change may build new origin clients
     * and TLS contexts; a purge is quick.
     */
    private static Duration timeout(InvalidationEntry entry) {
        return switch (entry.kind()) {
            case PUSH -> Duration.ofSeconds(60);
            case CONFIG -> Duration.ofSeconds(15);
            case PURGE -> Duration.ofSeconds(5);
        };
    }

    private static Optional<String> summary(Response response) throws IOException {
        String body = PushResults.abbreviate(response.peekBody(4096).string());
        return body.isEmpty() ? Optional.empty() : Optional.of(body);
    }
}
