package dev.outpost.origin.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PathRulesTest {
    private final PathRules rules = new PathRules(List.of(
            new PathRule("/assets/**", Optional.of("public, max-age=31536000, immutable"), List.of("static")),
            new PathRule("**/*.html", Optional.of("public, max-age=60"), List.of("html", "pages")),
            new PathRule("/api/*.json", Optional.of("no-store"), List.of())),
            new ResponsePolicy(Optional.of("public, max-age=300"), List.of()));

    @Test
    void firstMatchingRuleWins() {
        assertThat(rules.policyFor("/assets/app.js").cacheControl()).contains("public, max-age=31536000, immutable");
        assertThat(rules.policyFor("/assets/index.html").surrogateKey())
                .as("/assets/** comes before **/*.html").contains("static");
    }

    @Test
    void doubleStarSpansSegmentsAndSingleStarDoesNot() {
        assertThat(rules.policyFor("/assets/a/b/c.png").tags()).containsExactly("static");
        assertThat(rules.policyFor("/assets").tags()).containsExactly("static");
        assertThat(rules.policyFor("/index.html").surrogateKey()).contains("html pages");
        assertThat(rules.policyFor("/docs/deep/page.html").tags()).containsExactly("html", "pages");
        assertThat(rules.policyFor("/api/v1.json").cacheControl()).contains("no-store");
        assertThat(rules.policyFor("/api/x/v1.json").cacheControl()).contains("public, max-age=300");
    }

    @Test
    void unmatchedPathsGetTheDefault() {
        assertThat(rules.policyFor("/robots.txt").cacheControl()).contains("public, max-age=300");
        assertThat(rules.policyFor("/assetsX/a.js").cacheControl()).contains("public, max-age=300");
        assertThat(rules.policyFor("/robots.txt").surrogateKey()).isEmpty();
    }

    @Test
    void regexCharactersInGlobsAreLiteral() {
        PathRules literal = new PathRules(List.of(new PathRule("/a+b/(x).txt", Optional.of("max-age=1"), List.of())),
                new ResponsePolicy(Optional.empty(), List.of()));
        assertThat(literal.policyFor("/a+b/(x).txt").cacheControl()).contains("max-age=1");
        assertThat(literal.policyFor("/aab/x.txt").cacheControl()).isEmpty();
    }

    @Test
    void badRulesAreRefusedNamingTheRule() {
        assertThatThrownBy(() -> new PathRule("assets/**", Optional.empty(), List.of()))
                .hasMessageContaining("must be a glob starting with '/'");
        assertThatThrownBy(() -> new PathRule("/a/**", Optional.empty(), List.of("two words")))
                .hasMessageContaining("'/a/**'").hasMessageContaining("two words");
    }
}
