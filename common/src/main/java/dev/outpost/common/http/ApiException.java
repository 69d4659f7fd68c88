package dev.outpost.common.http;

/**
 * A request that cannot be served as asked, carrying the status and the stable error code the client sees. Thrown
 * anywhere below an {@link ErrorMappingHandler}, which turns it into a JSON error body.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
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
}
