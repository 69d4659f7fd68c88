package dev.outpost.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An HTTP answer read whole: status, body, headers, and the body as JSON (the APIs' error bodies included). */
public record HttpReply(int status, String body, Headers headers) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Sends {@code request} and reads the answer whole; an I/O failure is unchecked (tests assert on answers). */
    public static HttpReply call(OkHttpClient client, Request request) {
        try (Response response = client.newCall(request).execute()) {
            return new HttpReply(response.code(), response.body().string(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.url() + ": " + e.getMessage(), e);
        }
    }

    public JsonNode json() {
        return JSON.readTree(body);
    }

    public String header(String name) {
        return headers.get(name);
    }

    /** The {@code error} code of a JSON error body. */
    public String error() {
        return json().get("error").asString();
    }

    /** The {@code message} of a JSON error body. */
    public String message() {
        return json().get("message").asString();
    }
}
