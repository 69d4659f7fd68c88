package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ErrorBody;
import java.io.IOException;
import okhttp3.Response;

/**
 * Why a push of an entry to an edge did not go through, and how it counts towards dead-lettering ({@link Verdict},
 * decided from the edge's answer alone): the dispatcher's bounded retries rest on it.
 */
record PushFailure(String reason, Verdict verdict) {
    /** How a failed push counts. */
    enum Verdict {
        /** The edge refused the entry itself (400, 413, 415, 422): dead-lettered at once. */
        INVALID,
        /** The edge answered with a server error: it could not apply it; counted towards {@code maxTries}. */
        NOT_APPLIED,
        /**
         * No answer (down, partitioned, timed out: fencing covers that), or an answer about the edge, not the entry:
         * not ready (409), busy (429, 503), the token or admin URL is wrong (401, 403, 404). Retried, never counted.
         */
        NOT_NOW;

        static Verdict of(int status) {
            return switch (status) {
                case 400, 413, 415, 422 -> INVALID;
                case 503 -> NOT_NOW;
                default -> status >= 500 ? NOT_APPLIED : NOT_NOW;
            };
        }
    }

    /** The edge did not answer (or has no admin URL): never counted. */
    static PushFailure unanswered(String reason) {
        return new PushFailure(reason, Verdict.NOT_NOW);
    }

    /** The edge answered {@code response}, not 2xx: its status and problem body say why and how it counts. */
    static PushFailure answered(Response response) throws IOException {
        return new PushFailure(refusal(response), Verdict.of(response.code()));
    }

    /** "edge answered 400 bad_purge: ..." from an error answer's status and its problem body (when it is one). */
    static String refusal(Response response) throws IOException {
        String body = response.peekBody(4096).string();
        String problem = "";
        try {
            ErrorBody error = Json.mapper().readValue(body, ErrorBody.class);
            if (error.error() != null) {
                problem = " " + error.error() + (error.message() == null ? "" : ": " + error.message());
            }
        } catch (RuntimeException notAProblem) {
            // not the edge's problem body (a proxy's page, say): the status says it all
        }
        return PushResults.abbreviate("edge answered " + response.code() + problem);
    }
}
