package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three API documents (each in its module's jar, all in outpost.jar) are valid OpenAPI 3.1 as the Swagger
 * parser, which client generators and Swagger UI build on, reads them: no message, every {@code $ref} resolved. What
 * they say is checked against the nodes by each node's contract test (docs/api.md#openapi-documents).
 */
class OpenApiDocumentsTest {
    private static SwaggerParseResult parse(String text) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIV3Parser().readContents(text, null, options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openapi/control-plane.json", "openapi/edge-admin.json", "openapi/origin.json"})
    void eachDocumentIsValidOpenApi31(String resource) throws IOException {
        String text;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the classpath").isNotNull();
            text = new String(in.readAllBytes(), UTF_8);
        }
        SwaggerParseResult result = parse(text);

        assertThat(result.getMessages()).as(resource).isEmpty();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    }

    @Test
    void theParserNamesWhatIsWrongWithADocument() {
        SwaggerParseResult result = parse("""
                {"openapi":"3.1.0","info":{"version":"1"},"paths":{"/a":{"get":{"responses":{"200":{
                 "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Missing"}}}}}}}}}""");

        assertThat(String.join("\n", result.getMessages())).contains("info.title").contains("Missing");
    }
}
