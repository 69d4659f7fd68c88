package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.problem.Problem;
import dev.outpost.common.service.CacheKeyRules;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeysTest {
    private final CacheKeys keys = new CacheKeys("svc", CacheKeyRules.DEFAULTS);

    @Test
    void keyIsTheServiceAndTheNormalisedTargetWhateverTheHost() {
        assertThat(keys.key("/a/b.css", "v=1")).isEqualTo("svc/a/b.css?v=1");
        assertThat(keys.key("", "")).isEqualTo("svc/");
        assertThat(keys.key("/p", null)).isEqualTo("svc/p");
    }

    @Test
    void aPrefixIsNormalisedAsAPathKeepingItsTrailingSlash() {
        assertThat(keys.keyPrefix("/img/./a/", null)).isEqualTo("svc/img/a/");
        assertThat(keys.keyPrefix("/img", "v=1")).isEqualTo("svc/img?v=1");
        assertThat(keys.serviceKeyPrefix()).isEqualTo("svc/");
    }

    @Test
    void aServiceNameThatCouldBlurIntoItsTargetIsRefused() {
        assertThatThrownBy(() -> new CacheKeys("a/b", CacheKeyRules.DEFAULTS)).hasMessageContaining("'a/b'");
    }

    @Test
    void queryParametersAreSorted() {
        assertThat(keys.key("/p", "b=2&a=1&c")).isEqualTo(keys.key("/p", "c&a=1&b=2"));
    }

    @Test
    void droppedParametersLeaveTheKeyByExactNameAndPrefixGlob() {
        assertThat(keys.key("/p", "utm_source=x&v=1&utm_medium=y&fbclid=z")).isEqualTo("svc/p?v=1");
        assertThat(keys.key("/p", "utm_source=x")).isEqualTo("svc/p");
    }

    @Test
    void unsortedRulesKeepParameterOrder() {
        CacheKeys unsorted = new CacheKeys("svc", new CacheKeyRules(List.of("sig"), false));
        assertThat(unsorted.key("/p", "b=2&sig=x&a=1")).isEqualTo("svc/p?b=2&a=1");
    }

    @Test
    void dotSegmentsAreRemovedWithoutClimbingAboveRoot() {
        assertThat(keys.key("/a/./b/../c", "")).isEqualTo("svc/a/c");
        assertThat(keys.key("/../../etc/passwd", "")).isEqualTo("svc/etc/passwd");
    }

    @Test
    void dotsInsideSegmentsAreNotDotSegments() {
        assertThat(keys.key("/app.v2.min.js", "")).isEqualTo("svc/app.v2.min.js");
        assertThat(keys.key("/.well-known/x..y/...", "")).isEqualTo("svc/.well-known/x..y/...");
        assertThat(keys.key("/a/%2E%2E/b", "")).isEqualTo("svc/b");
        assertThat(keys.key("/a/b/.", "")).isEqualTo("svc/a/b/");
    }

    @Test
    void escapesOfUnreservedCharactersAreDecodedAndOthersUpperCased() {
        assertThat(keys.key("/%61%2fb%7e", "")).isEqualTo("svc/a%2Fb~");
        assertThat(keys.key("/p", "q=%c3%a9")).isEqualTo("svc/p?q=%C3%A9");
    }

    @Test
    void malformedEscapeIsABadRequest() {
        assertThatThrownBy(() -> keys.key("/%zz", "")).isInstanceOf(Problem.class);
    }
}
