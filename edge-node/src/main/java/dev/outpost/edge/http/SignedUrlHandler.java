package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.signing.UrlSignatures;
import dev.outpost.edge.signing.Verdict;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Clock;
import java.util.Optional;

/**
 * Checks the signed-URL token of services that use signing, before the cache lookup; 403 with the reason
 * ({@code missing}, {@code expired}, {@code lifetime_too_long}, {@code bad_signature}, {@code wrong_path},
 * {@code wrong_address}) otherwise. The path checked is the normalized one the cache and the origin see (and,
 * under a prefix token, the raw one for dot segments); the host is the request's Host; the address is the
 * connection's peer.
 */
public final class SignedUrlHandler implements HttpHandler {
    private final Clock clock;
    private final HttpHandler next;

    public SignedUrlHandler(Clock clock, HttpHandler next) {
        this.clock = clock;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        Route route = ex.getAttachment(RouteHandler.ROUTE);
        Optional<UrlSignatures> signatures = route.signatures();
        if (signatures.isPresent()
                && (route.service().signing().orElseThrow().required()
                        || UrlSignatures.present(ex.getQueryParameters()))) {
            String rawPath = Requests.rawPath(ex);
            String path = route.keys().target(rawPath, "");
            Verdict verdict = signatures.get().verify(ex.getHostName(), path, rawPath, ex.getQueryParameters(),
                    ex.getSourceAddress().getAddress().getHostAddress(), clock.instant());
            if (!verdict.valid()) {
                RequestRecord record = ex.getAttachment(RequestRecord.KEY);
                if (record != null) {
                    record.status(Outcome.ERROR);
                }
                throw new ApiException(403, verdict.code(), "signed URL refused: " + verdict.code().replace('_', ' '));
            }
        }
        next.handleRequest(ex);
    }
}
