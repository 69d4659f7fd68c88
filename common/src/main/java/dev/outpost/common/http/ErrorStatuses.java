package dev.outpost.common.http;

import dev.outpost.common.problem.Problem;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one table from a {@link Problem}'s kind to the HTTP answer: its status, and the headers that go with it
 * ({@code Retry-After} when the problem says how long to wait). Every node's {@link ErrorMappingHandler} answers
 * through it; the inverse ({@link #kindOf}) lets a node relay an upstream's refusal as the same kind.
 */
public final class ErrorStatuses {
    private static final Map<Problem.Kind, Integer> STATUS = new EnumMap<>(Map.ofEntries(
            Map.entry(Problem.Kind.INVALID, 400),
            Map.entry(Problem.Kind.UNAUTHENTICATED, 401),
            Map.entry(Problem.Kind.FORBIDDEN, 403),
            Map.entry(Problem.Kind.NOT_FOUND, 404),
            Map.entry(Problem.Kind.METHOD_NOT_ALLOWED, 405),
            Map.entry(Problem.Kind.CONFLICT, 409),
            Map.entry(Problem.Kind.PRECONDITION_FAILED, 412),
            Map.entry(Problem.Kind.PRECONDITION_REQUIRED, 428),
            Map.entry(Problem.Kind.TOO_LARGE, 413),
            Map.entry(Problem.Kind.UNPROCESSABLE, 422),
            Map.entry(Problem.Kind.TOO_MANY_REQUESTS, 429),
            Map.entry(Problem.Kind.UPSTREAM_FAILED, 502),
            Map.entry(Problem.Kind.UNAVAILABLE, 503),
            Map.entry(Problem.Kind.INSUFFICIENT_STORAGE, 507)));

    private ErrorStatuses() {
    }

    public static int status(Problem.Kind kind) {
        return STATUS.get(kind);
    }

    /** The response headers a problem's answer carries besides its JSON body. */
    public static Map<String, String> headers(Problem problem) {
        Map<String, String> headers = new LinkedHashMap<>();
        problem.retryAfter().ifPresent(wait -> headers.put("Retry-After",
                Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000))));
        return headers;
    }

    /** The kind an upstream's answer with {@code status} stands for; empty when no kind answers so. */
    public static Optional<Problem.Kind> kindOf(int status) {
        return STATUS.entrySet().stream().filter(e -> e.getValue() == status).map(Map.Entry::getKey).findFirst();
    }
}
