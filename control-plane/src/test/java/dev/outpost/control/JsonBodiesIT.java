package dev.outpost.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control-plane API reads a body as JSON only when it says it is JSON (415 for text/plain, forms and no
 * Content-Type: what a browser can send cross-site without a preflight), and never guesses between duplicate keys.
 */
class JsonBodiesIT {
    private static final String ONE_URL = "{\"urls\":[\"http://www.example.com/a.css\"]}";

    @TempDir
    Path data;

    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void aBodyThatIsNotDeclaredJsonIs415AndNothingIsLogged() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                "application/jsonp", "text/json"}) {
            HttpReply reply = purge(ONE_URL, MediaType.get(type));
            assertThat(reply.status()).as(type).isEqualTo(415);
            assertThat(reply.error()).isEqualTo("unsupported_media_type");
            assertThat(reply.message()).contains(type);
            assertThat(reply.header("Accept")).isEqualTo("application/json");
        }
        HttpReply untyped = purge(ONE_URL, null);
        assertThat(untyped.status()).isEqualTo(415);
        assertThat(untyped.message()).contains("no Content-Type");
        assertThat(cp.get("/api/v1/purges", ControlPlaneFixture.READER).body()).doesNotContain("a.css");
    }

    @Test
    void jsonWithACharsetOrAPlusJsonTypeIsAccepted() {
        assertThat(purge(ONE_URL, MediaType.get("application/json; charset=utf-8")).status()).isEqualTo(202);
        assertThat(purge(ONE_URL, MediaType.get("Application/JSON")).status()).isEqualTo(202);
        assertThat(purge(ONE_URL, MediaType.get("application/vnd.outpost+json")).status()).isEqualTo(202);
    }

    @Test
    void duplicateKeysAre400NamingTheKey() {
        HttpReply reply = cp.post("/api/v1/purges", ControlPlaneFixture.OPS,
                "{\"urls\":[\"http://www.example.com/a.css\"],\"all\":false,\"all\":true}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("bad_json");
        assertThat(reply.message()).contains("Duplicate").contains("all");
        assertThat(cp.get("/api/v1/purges", ControlPlaneFixture.READER).body()).doesNotContain("a.css");
    }

    private HttpReply purge(String json, MediaType type) {
        return cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/purges")
                .post(RequestBody.create(json.getBytes(StandardCharsets.UTF_8), type)), ControlPlaneFixture.OPS,
                cp.http());
    }
}
