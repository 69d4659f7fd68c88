package dev.outpost.cli.local;

import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Defines the demo site's delivery service through the control plane's API ({@code PUT /api/v1/services/site}),
 * as an operator would: the edges of {@code outpost local} have no services in their own configs and run what the
 * control plane hands them. One definition for every edge: the primary origin by default, and per region the
 * origins its edges reach (its replica first, the primary through the region's WAN link). A kept work directory
 * already holds the service: it is put again with {@code If-Match}, which logs nothing when it did not change.
 */
final class SiteService {
    static final String NAME = "site";
    private static final MediaType JSON = MediaType.get("application/json");

    private SiteService() {
    }

    /** The site's definition: {@code hosts}, the primary as default origin, each region's own origin list. */
    static DeliveryService definition(List<String> hosts, URI primary, Map<String, List<URI>> regionOrigins) {
        return DeliveryService.of(NAME, hosts, List.of(primary)).withRegionOrigins(regionOrigins);
    }

    /** Puts {@code site} on the control plane at {@code api}; answers the configuration version it now has. */
    static long define(OkHttpClient http, URI api, String token, DeliveryService site) {
        String url = api + "/api/v1/services/" + NAME;
        byte[] body = Json.mapper().writeValueAsString(site).getBytes(StandardCharsets.UTF_8);
        try {
            String etag;
            try (Response current = http.newCall(new Request.Builder().url(url)
                    .header("Authorization", "Bearer " + token).build()).execute()) {
                etag = current.code() == 200 ? current.header("ETag") : null;
                if (current.code() != 200 && current.code() != 404) {
                    throw new IOException("GET " + url + " answered " + current.code() + ": "
                            + current.body().string());
                }
            }
            Request.Builder put = new Request.Builder().url(url).header("Authorization", "Bearer " + token)
                    .put(RequestBody.create(body, JSON));
            put.header(etag == null ? "If-None-Match" : "If-Match", etag == null ? "*" : etag);
            try (Response answer = http.newCall(put.build()).execute()) {
                String text = answer.body().string();
                if (answer.code() != 200 && answer.code() != 201) {
                    throw new IOException("PUT " + url + " answered " + answer.code() + ": " + text);
                }
                return Json.mapper().readTree(text).get("version").asLong();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot define the demo site's delivery service on the control plane: "
                    + e.getMessage(), e);
        }
    }
}
