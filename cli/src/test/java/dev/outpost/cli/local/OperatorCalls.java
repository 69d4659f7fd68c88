package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * What an operator does to a local CDN in the tests: calls its control plane's API with the ops token, and uploads
 * to its origin with the origin token.
 */
final class OperatorCalls {
    private OperatorCalls() {
    }

    /**
     * Calls the control plane's API ({@code json} as the body, or none) and answers the JSON it returns, asserting
     * that the status lies between {@code lowestStatus} and {@code highestStatus}.
     */
    static JsonNode api(LocalCdn cdn, String method, String path, String json, int lowestStatus, int highestStatus)
            throws IOException {
        Request request = new Request.Builder().url(cdn.apiUri() + path)
                .header("Authorization", "Bearer " + LocalCdn.OPS_TOKEN)
                .method(method, json == null ? null : RequestBody.create(json.getBytes(UTF_8),
                        MediaType.get("application/json"))).build();
        try (Response response = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build()
                .newCall(request).execute()) {
            String body = response.body().string();
            assertThat(response.code()).as(body).isBetween(lowestStatus, highestStatus);
            return Json.mapper().readTree(body);
        }
    }

    /** PUTs {@code body} to the origin's assets at {@code path}; answers the origin's status. */
    static int upload(LocalCdn cdn, String path, String body, String mediaType) throws IOException {
        Request put = new Request.Builder().url(cdn.originInternalUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + LocalCdn.ORIGIN_TOKEN)
                .put(RequestBody.create(body.getBytes(UTF_8), MediaType.get(mediaType))).build();
        try (Response response = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).build()
                .newCall(put).execute()) {
            return response.code();
        }
    }
}
