package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/** The contract checker itself: each way an answer, a route table or a document can break the contract is caught. */
class ApiContractTest {
    private final ApiContract sample = ApiContract.of("openapi/sample.json");

    private static HttpReply json(int status, String body) {
        return new HttpReply(status, body, Headers.of("Content-Type", "application/json"));
    }

    @Test
    void aConformingAnswerPassesAndMarksItsOperationCalled() {
        assertThat(sample.check("GET", "/things/{id}", json(200, "{\"id\":\"a\",\"size\":3,\"note\":null}")))
                .isEmpty();
        assertThat(sample.uncalled()).containsExactly("DELETE /things/{id}", "PUT /files/{path}");
    }

    @Test
    void aBodyThatBreaksItsSchemaIsNamedWithTheSchema() {
        List<String> problems = sample.check("GET", "/things/{id}", json(200, "{\"id\":\"a\",\"size\":-1}"));

        assertThat(problems).singleElement().asString().contains("GET /things/{id} 200 body breaks "
                + "#/components/schemas/Thing").contains("size");
        assertThat(sample.check("GET", "/things/{id}", json(200, "{\"size\":1}"))).singleElement().asString()
                .contains("id");
        assertThat(sample.uncalled()).contains("GET /things/{id}");
    }

    @Test
    void anUndocumentedStatusOrMediaTypeOrBodyIsABreach() {
        assertThat(sample.check("GET", "/things/{id}", json(500, "{}"))).singleElement().asString()
                .contains("answered 500, which is not documented");
        assertThat(sample.check("GET", "/things/{id}", new HttpReply(200, "{}", Headers.of("Content-Type",
                "text/html")))).singleElement().asString().contains("Content-Type text/html");
        assertThat(sample.check("DELETE", "/things/{id}", json(204, "{\"unexpected\":true}"))).singleElement()
                .asString().contains("documents no body");
        assertThat(sample.check("PATCH", "/things/{id}", json(200, "{}"))).singleElement().asString()
                .contains("PATCH /things/{id} is not documented");
    }

    @Test
    void errorAnswersAreValidatedAgainstTheErrorSchema() {
        assertThat(sample.check("GET", "/things/{id}", json(404, "{\"error\":\"not_found\",\"message\":\"no a\"}")))
                .isEmpty();
        assertThat(sample.check("GET", "/things/{id}", json(404, "{\"error\":\"not_found\"}"))).isNotEmpty();
    }

    @Test
    void aRequestBodyIsCheckedAgainstTheDocumentedRequestSchema() {
        assertThat(sample.checkRequest("PUT", "/files/{path...}", "{\"id\":\"f\",\"size\":1}")).isEmpty();
        assertThat(sample.checkRequest("PUT", "/files/{path...}", "{\"id\":\"f\"}")).singleElement().asString()
                .contains("PUT /files/{path} request body breaks #/components/schemas/Thing");
        assertThat(sample.checkRequest("GET", "/things/{id}", "{}")).singleElement().asString()
                .contains("documents no application/json request body");
    }

    @Test
    void restParametersOfARouteTableAreOpenApiPathParameters() {
        assertThat(ApiContract.openApiPath("/files/{path...}")).isEqualTo("/files/{path}");
        assertThat(sample.check("PUT", "/files/{path...}", json(201, "{\"id\":\"f\",\"size\":0}"))).isEmpty();
    }

    @Test
    void driftIsNamedInBothDirections() {
        assertThat(sample.drift(List.of("GET /things/{id}", "DELETE /things/{id}", "PUT /files/{path...}")))
                .isEmpty();
        assertThat(sample.drift(List.of("GET /things/{id}", "DELETE /things/{id}", "PUT /files/{path...}",
                "GET /metrics"))).singleElement().asString()
                .startsWith("GET /metrics is served but not documented: add it to paths in openapi/sample.json");
        assertThat(sample.drift(List.of("GET /things/{id}", "PUT /files/{path...}"))).singleElement().asString()
                .startsWith("DELETE /things/{id} is documented in openapi/sample.json but no route serves it");
    }

    @Test
    void theHouseRulesAreChecked() {
        assertThat(sample.ruleBreaches()).isEmpty();
        assertThat(ApiContract.of("openapi/sloppy.json").ruleBreaches()).anySatisfy(b -> assertThat(b)
                .contains("openapi must be 3.1.x")).anySatisfy(b -> assertThat(b)
                .contains("POST /a: operationId missing or used twice")).anySatisfy(b -> assertThat(b)
                .contains("POST /a: no responses documented")).anySatisfy(b -> assertThat(b)
                .contains("GET /a 200 application/json: the schema must be a $ref")).anySatisfy(b -> assertThat(b)
                .contains("GET /a 500: an error answer must be application/json with #/components/schemas/Error"))
                .anySatisfy(b -> assertThat(b).contains("GET /a default: statuses are explicit"))
                .anySatisfy(b -> assertThat(b).contains("POST /a request application/json: the schema must be a $ref"));
    }
}
