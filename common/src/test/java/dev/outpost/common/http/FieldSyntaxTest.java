package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.Test;

class FieldSyntaxTest {
    @Test
    void namesAreTokens() {
        assertThat(FieldSyntax.isToken("x-forwarded-host")).isTrue();
        assertThat(FieldSyntax.isToken("X_Odd.Name!#$%&'*+^`|~9")).isTrue();
        for (String bad : new String[] {"", "x a", "x:a", "x\ra", "x\na", "x\u0000a", "x\"a", "x(a", "x,a", "x/a",
                "x;a", "x=a", "x@a", "x[a", "x{a", "x\u007fa", "x\u00e9"}) {
            assertThat(FieldSyntax.isToken(bad)).as(FieldSyntax.printable(bad)).isFalse();
        }
    }

    @Test
    void valuesAreVisibleCharactersSpacesTabsAndObsText() {
        assertThat(FieldSyntax.isValue("text/html, */*;q=0.8")).isTrue();
        assertThat(FieldSyntax.isValue("caf\u00e9\tbar \u00ff")).isTrue();
        assertThat(FieldSyntax.isValue("")).isTrue();
        for (String bad : new String[] {"a\rb", "a\nb", "a\u0000b", "a\u0001b", "a\u001fb", "a\u007fb", "a\u0100b"}) {
            assertThat(FieldSyntax.isValue(bad)).as(FieldSyntax.printable(bad)).isFalse();
        }
    }

    @Test
    void http2AlsoForbidsUpperCaseSurroundingWhitespaceAndConnectionFields() {
        assertThat(FieldSyntax.problem("X-A", "1", false)).isEmpty();
        assertThat(FieldSyntax.problem("X-A", "1", true)).get().asString().contains("upper case");
        assertThat(FieldSyntax.problem("x-a", " 1", true)).get().asString().contains("whitespace");
        assertThat(FieldSyntax.problem("keep-alive", "5", true)).get().asString().contains("connection-specific");
        assertThat(FieldSyntax.problem("keep-alive", "5", false)).isEmpty();
    }

    @Test
    void problemsNameTheFieldAndShowControlCharactersEscaped() {
        assertThat(FieldSyntax.problem("x-a", "1\r\nx-b: 2", false)).contains(
                "header 'x-a' has a control character in its value (0x0d at 1; RFC 9110 §5.5)");
        assertThat(FieldSyntax.problem("x\na", "1", true)).contains(
                "header name 'x\\x0aa' is not a token (RFC 9110 §5.1)");
    }

    @Test
    void undertowsOwnHostOnHttp2IsNotTakenForAClientsUpperCaseName() {
        HeaderMap headers = new HeaderMap();
        headers.put(Headers.HOST, "assets.test");
        headers.put(HttpString.tryFromString("accept"), "*/*");
        assertThat(RequestFieldsHandler.problem(headers, true)).isEmpty();
        headers.put(HttpString.tryFromString("X-A"), "1");
        assertThat(RequestFieldsHandler.problem(headers, true)).isPresent();
    }
}
