package dev.outpost.common.http;

import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * An API as a table: method + path template → endpoint, each route with the wrapping handlers it needs (auth, rate
 * limit, body limit, content type) applied by the table in the order declared, so no endpoint checks them itself.
 * A known path asked with a method no route takes is answered {@code 405 method_not_allowed} with {@code Allow}
 * naming the methods that are; a path no route knows goes to the table's {@code otherwise} handler ({@code 404
 * not_found} unless set). Wrappers given to {@link Builder#around} run for every request the table takes, those
 * answers included (e.g. an admin token checked before anyone learns which paths exist).
 *
 * <p>Templates are literal segments, {@code {name}} (one non-empty segment) and, last, {@code {name...}} (the rest of
 * the path after its slash, possibly empty, slashes included); endpoints read them with {@link #parameter}. When
 * several templates match, the most specific decides (a literal segment beats a parameter, a parameter beats the
 * rest), and only its routes' methods count. Matching is on the decoded path ({@code getRequestPath}); an endpoint
 * that needs the raw target reads it itself. Undertow's {@code RoutingHandler} answers a wrong method without
 * {@code Allow} and writes path parameters into the query (which APIs with strict query checks refuse), hence this
 * small table. {@link #resolve} is pure, for tests without sockets.
 */
public final class RouteTable implements HttpHandler {
    private static final AttachmentKey<Map<String, String>> PARAMETERS = AttachmentKey.create(Map.class);
    private static final AttachmentKey<String> ALLOWED = AttachmentKey.create(String.class);
    private static final AttachmentKey<String> TEMPLATE = AttachmentKey.create(String.class);
    private static final String ANY_METHOD = "*";

    private final List<Route> routes;
    private final List<Endpoint> endpoints;
    private final boolean ignoreEmptySegments;
    private final HttpHandler wrongMethod;
    private final HttpHandler otherwise;

    /** One row of the table; {@code methods} in the order declared, {@code handler} with every wrapper applied. */
    public record Route(Set<String> methods, String template, HttpHandler handler) {
        public Route {
            methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
        }

        boolean takes(String method) {
            return methods.contains(ANY_METHOD) || methods.contains(method);
        }
    }

    /** How a request resolved. */
    public sealed interface Resolution {
    }

    /** One method + template the table serves, as an API description names it ({@code GET /api/v1/purges/{id}}). */
    public record Endpoint(String method, String template) {
        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    /** A route takes it; {@code parameters} are the template's, by name. */
    public record Found(Route route, Map<String, String> parameters) implements Resolution {
    }

    /** The path is known, the method is not one its routes take: 405 with these in {@code Allow}. */
    public record WrongMethod(List<String> allowed) implements Resolution {
    }

    /** No route knows the path. */
    public record NoRoute() implements Resolution {
    }

    private RouteTable(List<Route> routes, List<Endpoint> endpoints, boolean ignoreEmptySegments,
            HttpHandler wrongMethod, HttpHandler otherwise) {
        this.routes = List.copyOf(routes);
        this.endpoints = List.copyOf(endpoints);
        this.ignoreEmptySegments = ignoreEmptySegments;
        this.wrongMethod = wrongMethod;
        this.otherwise = otherwise;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A path parameter of the route that took the request ({@code {id}} → {@code parameter(exchange, "id")}). */
    public static String parameter(HttpServerExchange exchange, String name) {
        Map<String, String> parameters = exchange.getAttachment(PARAMETERS);
        String value = parameters == null ? null : parameters.get(name);
        if (value == null) {
            throw new IllegalStateException("no path parameter '" + name + "' in the route of "
                    + exchange.getRequestPath());
        }
        return value;
    }

    /**
     * The template of the route that took the request ({@code /api/v1/purges/{id}}), the innermost table's when
     * tables nest; empty when no route took it (404, 405). Metrics label requests with it, never with the raw path.
     */
    public static Optional<String> template(HttpServerExchange exchange) {
        return Optional.ofNullable(exchange.getAttachment(TEMPLATE));
    }

    /**
     * Every method + template this table serves, in the order declared: a route whose endpoint is another table (a
     * {@link Builder#any} row, or the {@link Builder#otherwise} handler) stands for that table's endpoints, so a
     * nested API is listed as the paths its callers use. What an API description (OpenAPI) must document, no more.
     */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        switch (resolve(exchange.getRequestMethod().toString(), exchange.getRequestPath())) {
            case Found found -> {
                Map<String, String> parameters = exchange.getAttachment(PARAMETERS);
                if (parameters == null) {
                    exchange.putAttachment(PARAMETERS, new LinkedHashMap<>(found.parameters()));
                } else {
                    parameters.putAll(found.parameters()); // a table nested in another keeps the outer's too
                }
                exchange.putAttachment(TEMPLATE, found.route().template()); // a nested table's, more specific, wins
                found.route().handler().handleRequest(exchange);
            }
            case WrongMethod wrong -> {
                exchange.putAttachment(ALLOWED, String.join(", ", wrong.allowed()));
                wrongMethod.handleRequest(exchange);
            }
            case NoRoute none -> otherwise.handleRequest(exchange);
        }
    }

    /** Which route takes {@code method} on {@code path} (decoded), if any. */
    public Resolution resolve(String method, String path) {
        List<String> segments = segments(path);
        List<Route> best = new ArrayList<>();
        int[] bestRank = null;
        Map<Route, Map<String, String>> parameters = new LinkedHashMap<>();
        for (Route route : routes) {
            Optional<Map<String, String>> match = match(route.template(), segments);
            if (match.isEmpty()) {
                continue;
            }
            int[] rank = rank(route.template());
            int order = bestRank == null ? 1 : Arrays.compare(rank, bestRank);
            if (order > 0) {
                best.clear();
                bestRank = rank;
            }
            if (order >= 0) {
                best.add(route);
                parameters.put(route, match.get());
            }
        }
        if (best.isEmpty()) {
            return new NoRoute();
        }
        for (Route route : best) {
            if (route.takes(method)) {
                return new Found(route, parameters.get(route));
            }
        }
        Set<String> allowed = new LinkedHashSet<>();
        best.forEach(route -> allowed.addAll(route.methods()));
        return new WrongMethod(List.copyOf(allowed));
    }

    private List<String> segments(String path) {
        List<String> segments = new ArrayList<>(Arrays.asList((path.startsWith("/") ? path.substring(1) : path)
                .split("/", -1)));
        if (ignoreEmptySegments) {
            segments.removeIf(String::isEmpty); // "//" and a trailing "/" name the same place as one slash
        }
        return segments;
    }

    /** The template's parameters when it matches {@code segments}. */
    private static Optional<Map<String, String>> match(String template, List<String> segments) {
        List<String> parts = templateParts(template);
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            if (part.startsWith("{") && part.endsWith("...}")) {
                if (segments.size() < parts.size()) {
                    return Optional.empty();
                }
                values.put(part.substring(1, part.length() - 4), String.join("/", segments.subList(i,
                        segments.size())));
                return Optional.of(values);
            }
            if (i >= segments.size()) {
                return Optional.empty();
            }
            String segment = segments.get(i);
            if (part.startsWith("{")) {
                if (segment.isEmpty()) {
                    return Optional.empty();
                }
                values.put(part.substring(1, part.length() - 1), segment);
            } else if (!part.equals(segment)) {
                return Optional.empty();
            }
        }
        return segments.size() == parts.size() ? Optional.of(values) : Optional.empty();
    }

    /** Specificity, segment by segment: 2 for a literal, 1 for {@code {name}}, 0 for {@code {name...}}. */
    private static int[] rank(String template) {
        return templateParts(template).stream()
                .mapToInt(part -> part.endsWith("...}") ? 0 : part.startsWith("{") ? 1 : 2).toArray();
    }

    private static List<String> templateParts(String template) {
        return List.of(template.substring(1).split("/", -1));
    }

    /** Builds a table; routes are tried by specificity, not by the order they are added. */
    public static final class Builder {
        private final List<HandlerWrapper> around = new ArrayList<>();
        private final List<PendingRoute> routes = new ArrayList<>();
        private boolean ignoreEmptySegments;
        private Function<HttpServerExchange, String> notFound = exchange -> "no such endpoint: "
                + exchange.getRequestMethod() + " " + exchange.getRequestPath();
        private Optional<HttpHandler> otherwise = Optional.empty();

        private record PendingRoute(Set<String> methods, String template, HttpHandler endpoint,
                List<HandlerWrapper> wrappers) {
        }

        private Builder() {
        }

        /**
         * A route: {@code methods} ("GET", or several: "GET, HEAD"), the path template, the endpoint, and the
         * wrapping handlers the table applies before it, outermost first.
         */
        public Builder route(String methods, String template, HttpHandler endpoint, HandlerWrapper... wrappers) {
            Set<String> names = new LinkedHashSet<>();
            for (String method : methods.split("[,\\s]+")) {
                if (!method.isEmpty()) {
                    names.add(method);
                }
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("route " + template + " names no method");
            }
            checkTemplate(template);
            routes.add(new PendingRoute(names, template, endpoint, List.of(wrappers)));
            return this;
        }

        /** A route every method takes (the endpoint is, say, another table with its own 405 answers). */
        public Builder any(String template, HttpHandler endpoint, HandlerWrapper... wrappers) {
            return route(ANY_METHOD, template, endpoint, wrappers);
        }

        /** Wrappers every request the table takes passes, outermost first, before its route's own. */
        public Builder around(HandlerWrapper... wrappers) {
            around.addAll(List.of(wrappers));
            return this;
        }

        /** Paths match with empty segments ignored: {@code /a//b/} as {@code /a/b}. */
        public Builder ignoringEmptySegments() {
            this.ignoreEmptySegments = true;
            return this;
        }

        /** The message of the 404 for a path no route knows. */
        public Builder notFound(Function<HttpServerExchange, String> message) {
            this.notFound = message;
            return this;
        }

        /** What answers a path no route knows, instead of the 404 (another table's endpoints count as this one's). */
        public Builder otherwise(HttpHandler handler) {
            this.otherwise = Optional.of(handler);
            return this;
        }

        public RouteTable build() {
            List<Route> built = new ArrayList<>();
            Set<Endpoint> endpoints = new LinkedHashSet<>();
            for (PendingRoute r : routes) {
                if (r.endpoint() instanceof RouteTable nested) {
                    endpoints.addAll(nested.endpoints());
                } else {
                    r.methods().forEach(method -> endpoints.add(new Endpoint(method, r.template())));
                }
                HttpHandler handler = r.endpoint();
                for (int i = r.wrappers().size() - 1; i >= 0; i--) {
                    handler = r.wrappers().get(i).wrap(handler);
                }
                built.add(new Route(r.methods(), r.template(), around(handler)));
            }
            Function<HttpServerExchange, String> message = notFound;
            HttpHandler wrongMethod = around(exchange -> {
                String allowed = exchange.getAttachment(ALLOWED);
                throw new ApiException(405, "method_not_allowed", exchange.getRequestMethod() + " is not allowed on "
                        + exchange.getRequestPath() + "; use " + allowed).withHeader("Allow", allowed);
            });
            HttpHandler noRoute = around(otherwise.orElse(exchange -> {
                throw ApiException.notFound(message.apply(exchange));
            }));
            if (otherwise.orElse(null) instanceof RouteTable nested) {
                endpoints.addAll(nested.endpoints());
            }
            return new RouteTable(built, List.copyOf(endpoints), ignoreEmptySegments, wrongMethod, noRoute);
        }

        private HttpHandler around(HttpHandler handler) {
            for (int i = around.size() - 1; i >= 0; i--) {
                handler = around.get(i).wrap(handler);
            }
            return handler;
        }

        private static void checkTemplate(String template) {
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("template must start with '/': " + template);
            }
            List<String> parts = templateParts(template);
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                boolean parameter = part.startsWith("{") || part.endsWith("}");
                if (parameter && !(part.startsWith("{") && part.endsWith("}") && part.length() > 2)) {
                    throw new IllegalArgumentException("template " + template + ": '" + part + "' is not {name}");
                }
                if (part.endsWith("...}") && i != parts.size() - 1) {
                    throw new IllegalArgumentException("template " + template + ": " + part + " must come last");
                }
            }
        }
    }
}
