package dev.outpost.edge.attack;

import java.util.Locale;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * An origin fake that reflects every request header and the request target into its body and into a response
 * header: the worst origin a cache can sit in front of, so any unkeyed input that reaches it shows up in what is
 * stored. The Cache-Control of each answer is chosen by path.
 */
final class ReflectingOrigin extends Dispatcher {
    private final Function<String, MockResponse.Builder> byPath;

    ReflectingOrigin(Function<String, MockResponse.Builder> byPath) {
        this.byPath = byPath;
    }

    /** Every answer public and cacheable for five minutes. */
    static ReflectingOrigin cacheable() {
        return new ReflectingOrigin(path -> new MockResponse.Builder().code(200)
                .setHeader("Cache-Control", "public, max-age=300"));
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        StringBuilder body = new StringBuilder("target=").append(request.getTarget()).append('\n');
        StringBuilder reflected = new StringBuilder();
        request.getHeaders().forEach(pair -> {
            body.append(pair.getFirst().toLowerCase(Locale.ROOT)).append(": ").append(pair.getSecond()).append('\n');
            reflected.append(pair.getSecond().replaceAll("[^\\x20-\\x7e]", "?")).append(" | ");
        });
        String path = request.getUrl().encodedPath();
        return byPath.apply(path).setHeader("X-Reflected", reflected.toString())
                .setHeader("Content-Type", path.endsWith(".css") ? "text/css" : "text/plain")
                .body(body.toString()).build();
    }
}
