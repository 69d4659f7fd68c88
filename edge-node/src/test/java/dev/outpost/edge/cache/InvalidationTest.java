package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** RFC 9111 §4.4. */
class InvalidationTest {
    private static final URI REQUEST = URI.create("http://assets.test/cart/add?x=1");
    /** The service serves assets.test and www.assets.test; other hosts are another origin's. */
    private static final Function<URI, Optional<String>> SERVICE = uri ->
            List.of("assets.test", "www.assets.test").contains(uri.getHost())
                    ? Optional.of("svc" + uri.getRawPath()) : Optional.empty();

    private static List<String> keys(String method, int status, String... responseHeaders) {
        return Invalidation.keys(method, status, "svc/cart/add?x=1", REQUEST, Fields.of(responseHeaders), SERVICE);
    }

    @Test
    void aNonErrorAnswerToAnUnsafeOrUnknownMethodInvalidatesTheTarget() {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "M-SEARCH", "PURGE", "FOO")) {
            assertThat(keys(method, 200)).as(method).containsExactly("svc/cart/add?x=1");
            assertThat(keys(method, 302)).as(method).containsExactly("svc/cart/add?x=1");
        }
    }

    @Test
    void safeMethodsAndErrorAnswersNeverInvalidate() {
        for (String method : List.of("GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH")) {
            assertThat(keys(method, 200)).as(method).isEmpty();
        }
        assertThat(keys("POST", 404)).isEmpty();
        assertThat(keys("POST", 500)).isEmpty();
        assertThat(keys("POST", 101)).isEmpty();
    }

    @Test
    void locationAndContentLocationOfTheSameServiceAreInvalidatedToo() {
        assertThat(keys("POST", 201, "Location", "/cart", "Content-Location", "http://www.assets.test/cart/7"))
                .containsExactly("svc/cart/add?x=1", "svc/cart", "svc/cart/7");
        assertThat(keys("POST", 303, "Location", "items/7")).containsExactly("svc/cart/add?x=1", "svc/cart/items/7");
    }

    @Test
    void urisOfAnotherOriginOrUnreadableOnesAreLeftAlone() {
        assertThat(keys("POST", 201, "Location", "http://other.test/cart", "Content-Location", "http://[bad"))
                .containsExactly("svc/cart/add?x=1");
    }
}
