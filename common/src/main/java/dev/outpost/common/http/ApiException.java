package dev.outpost.common.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that cannot be served as asked, carrying the status and the stable error code the client sees. Thrown
 * anywhere below an {@link ErrorMappingHandler}, which turns it into a JSON error body, plus any response headers
 * the status needs ({@code Allow} on 405, {@code Content-Range} on 416).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    private ApiException(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    /** The same error, also sending {@code name: value} with the error body. */
    public ApiException withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiException(status, code, getMessage(), more);
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Response headers the error answer carries besides its JSON body. */
    public Map<String, String> headers() {
        return headers;
    }
}
