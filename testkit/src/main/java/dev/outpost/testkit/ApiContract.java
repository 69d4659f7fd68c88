package dev.outpost.testkit;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A node's OpenAPI 3.1 document (a classpath resource of its jar) as a test oracle. It lists the documented
 * operations ({@code GET /api/v1/purges/{id}}), compares them with what a node's route table serves (drift in either
 * direction), checks a real answer against the operation it came from (the status is documented, the media type is
 * documented, a JSON body validates against the documented schema, with the OpenAPI 3.1 dialect of JSON Schema) and
 * remembers which operations were called with a success, so a test can demand that every one was.
 *
 * <p>House rules the document must keep, checked by {@link #ruleBreaches()}: every response's JSON schema is a
 * {@code $ref} to {@code #/components/schemas/...} (so it can be validated on its own and reused), and every 4xx/5xx
 * response is {@code application/json} with the {@code Error} schema (or, for a health check's 503, the body of its
 * 200).
 */
public final class ApiContract {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> METHODS = Set.of("get", "head", "put", "post", "delete", "patch", "options",
            "trace");
    private static final String ERROR_SCHEMA = "#/components/schemas/Error";

    private final String resource;
    private final JsonNode document;
    private final SchemaRegistry registry = SchemaRegistry.withDialect(Dialects.getOpenApi31());
    private final Map<String, Schema> schemas = new HashMap<>();
    private final SortedSet<String> calledWithSuccess = new TreeSet<>();

    private ApiContract(String resource, JsonNode document) {
        this.resource = resource;
        this.document = document;
    }

    /** The document at classpath {@code resource} (e.g. {@code openapi/control-plane.json}). */
    public static ApiContract of(String resource) {
        try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no OpenAPI document " + resource + " on the classpath");
            }
            return new ApiContract(resource, JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /**
     * A route-table template as the document spells it: a rest parameter {@code {path...}} is the path parameter
     * {@code {path}} (OpenAPI has no rest parameters; the document says the value may hold slashes).
     */
    public static String openApiPath(String template) {
        return template.replaceAll("\\{([^}]+)\\.\\.\\.}", "{$1}");
    }

    /** Every documented operation as {@code METHOD /path}, sorted. */
    public SortedSet<String> operations() {
        SortedSet<String> operations = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
            for (String method : path.getValue().propertyNames()) {
                if (METHODS.contains(method)) {
                    operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return operations;
    }

    /**
     * What differs between the document and {@code served} (route-table endpoints as {@code METHOD /template}),
     * one line each, naming what to add or remove where; empty when they agree.
     */
    public List<String> drift(Collection<String> served) {
        SortedSet<String> servedOperations = new TreeSet<>();
        for (String endpoint : served) {
            servedOperations.add(openApiPath(endpoint));
        }
        List<String> drift = new ArrayList<>();
        for (String operation : servedOperations) {
            if (!operations().contains(operation)) {
                drift.add(operation + " is served but not documented: add it to paths in " + resource
                        + " (its responses, an operationId, and a schema under components/schemas for a JSON answer)");
            }
        }
        for (String operation : operations()) {
            if (!servedOperations.contains(operation)) {
                drift.add(operation + " is documented in " + resource + " but no route serves it: remove it there, "
                        + "or add the route");
            }
        }
        return drift;
    }

    /** Breaches of the document's house rules (see the class comment), one line each; empty when none. */
    public List<String> ruleBreaches() {
        List<String> breaches = new ArrayList<>();
        if (!document.path("openapi").asString("").startsWith("3.1.")) {
            breaches.add(resource + ": openapi must be 3.1.x, was " + document.path("openapi"));
        }
        Set<String> operationIds = new TreeSet<>();
        for (String operation : operations()) {
            JsonNode op = operation(operation);
            String id = op.path("operationId").asString("");
            if (id.isEmpty() || !operationIds.add(id)) {
                breaches.add(operation + ": operationId missing or used twice ('" + id + "')");
            }
            if (op.path("responses").isEmpty()) {
                breaches.add(operation + ": no responses documented");
            }
            for (Map.Entry<String, JsonNode> media : op.path("requestBody").path("content").properties()) {
                if (media.getKey().endsWith("json") && !media.getValue().path("schema").has("$ref")) {
                    breaches.add(operation + " request " + media.getKey()
                            + ": the schema must be a $ref to #/components/schemas/...");
                }
            }
            for (Map.Entry<String, JsonNode> response : op.path("responses").properties()) {
                String status = response.getKey();
                JsonNode resolved = resolve(response.getValue());
                for (Map.Entry<String, JsonNode> media : resolved.path("content").properties()) {
                    if (media.getKey().endsWith("json") && !media.getValue().path("schema").has("$ref")) {
                        breaches.add(operation + " " + status + " " + media.getKey()
                                + ": the schema must be a $ref to #/components/schemas/...");
                    }
                }
                if (status.startsWith("4") || status.startsWith("5")) {
                    String ref = resolved.path("content").path("application/json").path("schema").path("$ref")
                            .asString("");
                    // a health answer says "unhealthy" with 503 and its usual body: the one exception
                    String success = resolve(op.path("responses").path("200")).path("content")
                            .path("application/json").path("schema").path("$ref").asString("-");
                    if (!ref.equals(ERROR_SCHEMA) && !ref.equals(success)) {
                        breaches.add(operation + " " + status + ": an error answer must be application/json with "
                                + ERROR_SCHEMA + ", was " + resolved.path("content"));
                    }
                }
                if (!status.matches("[1-5][0-9][0-9]")) {
                    breaches.add(operation + " " + status + ": statuses are explicit (no 'default' or '4XX')");
                }
            }
        }
        return breaches;
    }

    /**
     * How {@code reply}, the answer to {@code method} on a path of {@code template} (route-table spelling allowed),
     * breaks the document, one line each; empty when it conforms. A 2xx answer that conforms marks the operation
     * called ({@link #uncalled()}).
     */
    public List<String> check(String method, String template, HttpReply reply) {
        String operation = method + " " + openApiPath(template);
        List<String> problems = new ArrayList<>();
        if (!operations().contains(operation)) {
            return List.of(operation + " is not documented in " + resource);
        }
        JsonNode responses = operation(operation).path("responses");
        String status = String.valueOf(reply.status());
        if (!responses.has(status)) {
            return List.of(operation + " answered " + status + ", which is not documented (documented: "
                    + responses.propertyNames() + "); body: " + reply.body());
        }
        JsonNode content = resolve(responses.get(status)).path("content");
        String type = reply.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (content.isEmpty() || method.equals("HEAD")) {
            if (content.isEmpty() && !reply.body().isEmpty()) {
                problems.add(operation + " " + status + " documents no body but answered " + type + ": "
                        + reply.body());
            }
        } else if (!content.has(media)) {
            problems.add(operation + " " + status + " answered Content-Type " + type + ", documented: "
                    + content.propertyNames());
        } else {
            String ref = content.get(media).path("schema").path("$ref").asString("");
            if (!ref.isEmpty()) {
                for (Error error : schema(ref).validate(reply.body(), InputFormat.JSON)) {
                    problems.add(operation + " " + status + " body breaks " + ref + ": " + error + " in "
                            + reply.body());
                }
            }
        }
        if (problems.isEmpty() && reply.status() < 300) {
            calledWithSuccess.add(operation);
        }
        return problems;
    }

    /**
     * How {@code json}, a request body sent to {@code method} on {@code template}, breaks the operation's documented
     * {@code application/json} request schema, one line each; empty when it conforms. Tests send their working
     * bodies through this, so a documented request shape is one the node takes.
     */
    public List<String> checkRequest(String method, String template, String json) {
        String operation = method + " " + openApiPath(template);
        if (!operations().contains(operation)) {
            return List.of(operation + " is not documented in " + resource);
        }
        String ref = operation(operation).path("requestBody").path("content").path("application/json")
                .path("schema").path("$ref").asString("");
        if (ref.isEmpty()) {
            return List.of(operation + " documents no application/json request body");
        }
        List<String> problems = new ArrayList<>();
        for (Error error : schema(ref).validate(json, InputFormat.JSON)) {
            problems.add(operation + " request body breaks " + ref + ": " + error + " in " + json);
        }
        return problems;
    }

    /** The documented operations no conforming 2xx answer was checked for yet. */
    public SortedSet<String> uncalled() {
        SortedSet<String> uncalled = new TreeSet<>(operations());
        uncalled.removeAll(calledWithSuccess);
        return uncalled;
    }

    /** The schema of {@code #/components/schemas/Name}, validating with the OpenAPI 3.1 dialect. */
    public Schema schema(String ref) {
        return schemas.computeIfAbsent(ref, r -> registry.getSchema(SchemaLocation.of("classpath:" + resource + r)));
    }

    private JsonNode operation(String operation) {
        String[] parts = operation.split(" ", 2);
        return document.get("paths").get(parts[1]).get(parts[0].toLowerCase(Locale.ROOT));
    }

    /** A response object, or the one its {@code $ref} ({@code #/components/responses/Name}) names. */
    private JsonNode resolve(JsonNode response) {
        String ref = response.path("$ref").asString("");
        return ref.isEmpty() ? response : document.at(ref.substring(1));
    }
}
