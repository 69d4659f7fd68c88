package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.undertow.server.HttpHandler;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The route table's matching, without sockets. */
class RouteTableTest {
    private static final HttpHandler NOTHING = exchange -> { };

    private final RouteTable api = RouteTable.builder()
            .route("GET", "/api/v1/purges", NOTHING)
            .route("POST", "/api/v1/purges", NOTHING)
            .route("GET", "/api/v1/purges/{id}", NOTHING)
            .route("POST", "/api/v1/nodes/register", NOTHING)
            .route("POST", "/api/v1/nodes/{id}/heartbeat", NOTHING)
            .route("DELETE", "/api/v1/nodes/{id}", NOTHING)
            .route("PUT", "/api/v1/assets/{path...}", NOTHING)
            .build();

    private RouteTable.Found found(RouteTable table, String method, String path) {
        RouteTable.Resolution resolution = table.resolve(method, path);
        assertThat(resolution).as(method + " " + path).isInstanceOf(RouteTable.Found.class);
        return (RouteTable.Found) resolution;
    }

    @Test
    void aRouteIsFoundByMethodAndPathWithItsParameters() {
        assertThat(found(api, "POST", "/api/v1/purges").route().methods()).containsExactly("POST");
        assertThat(found(api, "GET", "/api/v1/purges/p-12").parameters()).isEqualTo(Map.of("id", "p-12"));
        assertThat(found(api, "POST", "/api/v1/nodes/eu-1/heartbeat").parameters()).isEqualTo(Map.of("id", "eu-1"));
    }

    @Test
    void aKnownPathWithAnotherMethodNamesTheMethodsItTakes() {
        assertThat(api.resolve("PUT", "/api/v1/purges")).isEqualTo(new RouteTable.WrongMethod(
                java.util.List.of("GET", "POST")));
        assertThat(api.resolve("GET", "/api/v1/nodes/eu-1")).isEqualTo(new RouteTable.WrongMethod(
                java.util.List.of("DELETE")));
    }

    @Test
    void theMostSpecificTemplateDecidesEvenWhenALooserOneWouldTakeTheMethod() {
        // DELETE /api/v1/nodes/{id} would take it, but "register" is a literal: that route alone speaks for the path
        assertThat(api.resolve("DELETE", "/api/v1/nodes/register")).isEqualTo(new RouteTable.WrongMethod(
                java.util.List.of("POST")));
    }

    @Test
    void unknownPathsAndEmptyParametersFindNoRoute() {
        assertThat(api.resolve("GET", "/api/v1/nothing")).isEqualTo(new RouteTable.NoRoute());
        assertThat(api.resolve("GET", "/api/v1/purges/")).isEqualTo(new RouteTable.NoRoute());
        assertThat(api.resolve("GET", "/api/v1/purges/p-1/more")).isEqualTo(new RouteTable.NoRoute());
        assertThat(api.resolve("POST", "/api/v1/nodes//heartbeat")).isEqualTo(new RouteTable.NoRoute());
    }

    @Test
    void aRestParameterTakesTheRestOfThePathAfterItsSlashEvenEmpty() {
        assertThat(found(api, "PUT", "/api/v1/assets/css/site.css").parameters())
                .isEqualTo(Map.of("path", "css/site.css"));
        assertThat(found(api, "PUT", "/api/v1/assets/").parameters()).isEqualTo(Map.of("path", ""));
        assertThat(api.resolve("PUT", "/api/v1/assets")).isEqualTo(new RouteTable.NoRoute());
    }

    @Test
    void emptySegmentsCanBeIgnoredAsAFileTreeDoes() {
        RouteTable assets = RouteTable.builder().ignoringEmptySegments()
                .route("GET, HEAD", "/_origin/assets", NOTHING)
                .route("GET, HEAD, PUT, DELETE", "/_origin/assets/{path...}", NOTHING)
                .build();
        assertThat(found(assets, "HEAD", "/_origin/assets//").route().template()).isEqualTo("/_origin/assets");
        assertThat(found(assets, "PUT", "/_origin/assets//css//a.css").parameters())
                .isEqualTo(Map.of("path", "css/a.css"));
        assertThat(assets.resolve("PUT", "/_origin/assets/")).isEqualTo(new RouteTable.WrongMethod(
                java.util.List.of("GET", "HEAD")));
    }

    @Test
    void anAnyMethodRouteTakesEveryMethod() {
        RouteTable table = RouteTable.builder().any("/_origin/replication/{rest...}", NOTHING).build();
        assertThat(found(table, "PATCH", "/_origin/replication/changes").parameters())
                .isEqualTo(Map.of("rest", "changes"));
    }

    @Test
    void malformedTemplatesAreRefusedWhenTheTableIsBuilt() {
        assertThatThrownBy(() -> RouteTable.builder().route("GET", "api", NOTHING))
                .hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> RouteTable.builder().route("GET", "/a/{rest...}/b", NOTHING))
                .hasMessageContaining("must come last");
        assertThatThrownBy(() -> RouteTable.builder().route("GET", "/a/{}", NOTHING))
                .hasMessageContaining("is not {name}");
        assertThatThrownBy(() -> RouteTable.builder().route(" ", "/a", NOTHING))
                .hasMessageContaining("names no method");
    }

    @Test
    void endpointsListEveryMethodAndTemplateNestedTablesIncluded() {
        RouteTable assets = RouteTable.builder()
                .route("GET, HEAD", "/_origin/assets", NOTHING)
                .route("PUT", "/_origin/assets/{path...}", NOTHING)
                .build();
        RouteTable commands = RouteTable.builder().route("POST", "/_edge/purge", NOTHING).build();
        RouteTable table = RouteTable.builder()
                .route("GET", "/_origin/health", NOTHING)
                .any("/_origin/assets", assets)
                .any("/_origin/assets/{path...}", assets)
                .otherwise(commands)
                .build();

        assertThat(table.endpoints()).map(RouteTable.Endpoint::toString).containsExactly(
                "GET /_origin/health", "GET /_origin/assets", "HEAD /_origin/assets", "PUT /_origin/assets/{path...}",
                "POST /_edge/purge");
    }

    @Test
    void anAnyMethodRouteToAPlainHandlerIsListedAsEveryMethod() {
        assertThat(RouteTable.builder().any("/raw", NOTHING).build().endpoints())
                .containsExactly(new RouteTable.Endpoint("*", "/raw"));
    }
}
