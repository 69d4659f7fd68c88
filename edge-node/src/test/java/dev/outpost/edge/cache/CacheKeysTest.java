package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.config.CacheKeyRules;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeysTest {
    private final CacheKeys keys = new CacheKeys(CacheKeyRules.DEFAULTS);

    @Test
    void keyIsSchemeHostPathAndQuery() {
        assertThat(keys.key("Assets.Example", "/a/b.css", "v=1")).isEqualTo("http://assets.example/a/b.css?v=1");
        assertThat(keys.key("h", "", "")).isEqualTo("http://h/");
    }

    @Test
    void queryParametersAreSorted() {
        assertThat(keys.key("h", "/p", "b=2&a=1&c")).isEqualTo(keys.key("h", "/p", "c&a=1&b=2"));
    }

    @Test
    void droppedParametersLeaveTheKeyByExactNameAndPrefixGlob() {
        assertThat(keys.key("h", "/p", "utm_source=x&v=1&utm_medium=y&fbclid=z")).isEqualTo("http://h/p?v=1");
        assertThat(keys.key("h", "/p", "utm_source=x")).isEqualTo("http://h/p");
    }

    @Test
    void unsortedRulesKeepParameterOrder() {
        CacheKeys unsorted = new CacheKeys(new CacheKeyRules(List.of("sig"), false));
        assertThat(unsorted.key("h", "/p", "b=2&sig=x&a=1")).isEqualTo("http://h/p?b=2&a=1");
    }

    @Test
    void dotSegmentsAreRemovedWithoutClimbingAboveRoot() {
        assertThat(keys.key("h", "/a/./b/../c", "")).isEqualTo("http://h/a/c");
        assertThat(keys.key("h", "/../../etc/passwd", "")).isEqualTo("http://h/etc/passwd");
    }

    @Test
    void dotsInsideSegmentsAreNotDotSegments() {
        assertThat(keys.key("h", "/app.v2.min.js", "")).isEqualTo("http://h/app.v2.min.js");
        assertThat(keys.key("h", "/.well-known/x..y/...", "")).isEqualTo("http://h/.well-known/x..y/...");
        assertThat(keys.key("h", "/a/%2E%2E/b", "")).isEqualTo("http://h/b");
        assertThat(keys.key("h", "/a/b/.", "")).isEqualTo("http://h/a/b/");
    }

    @Test
    void escapesOfUnreservedCharactersAreDecodedAndOthersUpperCased() {
        assertThat(keys.key("h", "/%61%2fb%7e", "")).isEqualTo("http://h/a%2Fb~");
        assertThat(keys.key("h", "/p", "q=%c3%a9")).isEqualTo("http://h/p?q=%C3%A9");
    }

    @Test
    void malformedEscapeIsABadRequest() {
        assertThatThrownBy(() -> keys.key("h", "/%zz", "")).isInstanceOf(ApiException.class);
    }
}
