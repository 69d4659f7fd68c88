package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An origin answer whose body disagrees with its own Repr-Digest (the torn answer of an origin whose file was
 * replaced mid-answer: old length, new digest) is never stored nor relayed: the client gets 502, the refusal is
 * counted, and the next request asks the origin again.
 */
class BodyIntegrityIT {
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void aBodyThatDisagreesWithItsReprDigestIsNeverDeliveredWholeNorStored() throws Exception {
        f.enqueue(f.ok("old v", "max-age=3600").setHeader("Repr-Digest", "sha-256=:" + sha256("new version") + ":"));
        f.enqueue(f.ok("new version", "max-age=3600").setHeader("Repr-Digest",
                "sha-256=:" + sha256("new version") + ":"));

        // A miss is relayed as it arrives, so its head went out before the body could be checked: the client gets
        // everything but the held-back last byte, then the connection closes, never a complete-looking answer.
        assertThatThrownBy(() -> f.fetch("/app.js")).isInstanceOf(IOException.class);
        Answer next = f.fetch("/app.js");

        assertThat(next.code()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("new version");
        assertThat(next.xCache()).as("the torn answer was not stored").isEqualTo("MISS");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
        assertThat(f.fetch("/app.js").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/_edge/metrics").body())
                .contains("edge_origin_bodies_rejected_total{reason=\"digest\"} 1.0");
    }

    @Test
    void aStaleCopyAnswersInsteadOfThe502WhenItMayServeErrors() throws Exception {
        f.enqueue(f.ok("good", "max-age=60, stale-if-error=600"));
        assertThat(f.fetch("/app.js").body()).isEqualTo("good");
        f.clock.advance(Duration.ofSeconds(120));
        f.enqueue(f.ok("torn", "max-age=60").setHeader("Repr-Digest", "sha-256=:" + sha256("other") + ":"));

        Answer answer = f.fetch("/app.js");

        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("good");
        assertThat(answer.header("Cache-Status")).contains("detail=body-mismatch");
    }

    private static String sha256(String text) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
