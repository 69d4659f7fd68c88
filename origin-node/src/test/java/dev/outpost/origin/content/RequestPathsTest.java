package dev.outpost.origin.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.ErrorStatuses;
import dev.outpost.common.problem.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathsTest {
    @Test
    void plainPathsBecomeSegments() {
        assertThat(RequestPaths.confine("/assets/app.js").relative()).isEqualTo("assets/app.js");
        assertThat(RequestPaths.confine("/").isRoot()).isTrue();
        assertThat(RequestPaths.confine("/a//b/").relative()).isEqualTo("a/b");
        assertThat(RequestPaths.confine("/a/b?x=../../etc").relative()).isEqualTo("a/b");
    }

    @Test
    void percentEncodingIsDecodedExactlyOnce() {
        assertThat(RequestPaths.confine("/hello%20world.txt").relative()).isEqualTo("hello world.txt");
        assertThat(RequestPaths.confine("/caf%C3%A9.txt").relative()).isEqualTo("café.txt");
        // %252e decodes once to the literal name "%2e", which is not a dot segment.
        assertThat(RequestPaths.confine("/%252e%252e/x").segments()).containsExactly("%2e%2e", "x");
    }

    @Test
    void absoluteFormIsReducedToItsPath() {
        assertThat(RequestPaths.confine("http://example.com/a/b.css").relative()).isEqualTo("a/b.css");
    }

    @Test
    void dotfilesAreMarkedHidden() {
        assertThat(RequestPaths.confine("/.env").isHidden()).isTrue();
        assertThat(RequestPaths.confine("/a/.git/config").isHidden()).isTrue();
        assertThat(RequestPaths.confine("/a/b.txt").isHidden()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../etc/passwd", "/a/../../etc/passwd", "/./a", "/a/..",
            "/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/.%2e/etc/passwd", "/%2e./etc/passwd", "/%2e",
            "/a%2f..%2f..%2fetc%2fpasswd", "/a%2F..", "/..%5c..%5cetc", "/a\\..\\b", "/a%5Cb",
            "/%00", "/a%00.txt", "/a\u0000b",
            "/%c0%ae%c0%ae/etc/passwd", "/%c0%af", "/%e0%80%ae%e0%80%ae/x", "/%c1%9c", "/%ff",
            "/%", "/%2", "/%zz", "/a%0a.txt", "/a%7f", "relative/path", "", "/caf\u00e9"
    })
    void traversalAndMalformedPathsAreRefusedWith400(String raw) {
        assertThatThrownBy(() -> RequestPaths.confine(raw))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(ErrorStatuses.status(e.kind())).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("bad_path");
                });
    }

    @Test
    void overlongPathsAreRefused() {
        assertThatThrownBy(() -> RequestPaths.confine("/" + "a".repeat(RequestPaths.MAX_RAW_LENGTH)))
                .isInstanceOf(Problem.class).hasMessageContaining("longer than");
    }
}
