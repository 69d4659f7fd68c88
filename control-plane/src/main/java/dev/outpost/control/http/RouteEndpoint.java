package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.control.dns.DnsSteering;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.SteeringSource;
import io.undertow.server.HttpServerExchange;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /api/v1/route?url=...[&client=...]}: the steering decision for a URL as JSON (which edge, by which
 * policy and inputs, why), for the calling client or a named address, without redirecting. With {@code via=dns}
 * it explains the DNS answer instead: {@code ?via=dns&name=cdn.example.test[&client=203.0.113.0/24][&type=AAAA]},
 * the client being an address (a resolver without EDNS Client Subnet) or a subnet (what the resolver sent). Both
 * say what state they decided by ({@code "state": {"source": "replica", "ageSeconds": 12, ...}}).
 */
final class RouteEndpoint {
    private final SteeringHandler steering;
    private final DnsSteering dns;
    private final int dnsAnswers;

    RouteEndpoint(SteeringHandler steering, DnsSteering dns, int dnsAnswers) {
        this.steering = steering;
        this.dns = dns;
        this.dnsAnswers = dnsAnswers;
    }

    void route(HttpServerExchange exchange) {
        String via = Queries.first(exchange, "via").orElse("http");
        switch (via) {
            case "http" -> routeHttp(exchange);
            case "dns" -> routeDns(exchange);
            default -> throw ApiException.badRequest("bad_via", "via must be http or dns, was '" + via + "'");
        }
    }

    private void routeHttp(HttpServerExchange exchange) {
        String url = Queries.first(exchange, "url").orElseThrow(() -> ApiException.badRequest("missing_url",
                "url: give the URL to route, e.g. ?url=http://www.example.com/app.js"));
        EntryRequests.checkUrl("url", url);
        URI uri = URI.create(url);
        String peer = Queries.first(exchange, "client").map(c -> {
            if (Cidr.literal(c).isEmpty()) {
                throw ApiException.badRequest("bad_client", "client must be an IPv4 or IPv6 address, was '" + c
                        + "'");
            }
            return c;
        }).orElseGet(() -> SteeringHandler.peer(exchange));
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        SteeringSource.View view = steering.view();
        Decision decision = Queries.first(exchange, "client").isPresent()
                ? SteeringHandler.decideFor(view, peer, uri.getHost(), rawPath)
                : steering.decide(view, exchange, peer, uri.getHost(), rawPath);
        HttpJson.send(exchange, 200, Views.Route.of(decision,
                SteeringHandler.location(decision, rawPath, uri.getRawQuery()), view.freshness()));
    }

    private void routeDns(HttpServerExchange exchange) {
        String name = Queries.first(exchange, "name").map(n -> n.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> ApiException.badRequest("missing_name",
                        "name: give the host name asked by DNS, e.g. ?via=dns&name=cdn.example.test"));
        String type = Queries.first(exchange, "type").orElse("A").toUpperCase(Locale.ROOT);
        if (!type.equals("A") && !type.equals("AAAA")) {
            throw ApiException.badRequest("bad_type", "type must be A or AAAA, was '" + type + "'");
        }
        DnsSteering.Client client = Queries.first(exchange, "client").map(RouteEndpoint::dnsClient)
                .orElseGet(() -> DnsSteering.Client.resolver(exchange.getSourceAddress().getAddress()));
        SteeringSource.View view = steering.view();
        DnsSteering.Answer answer = dns.decide(view, name, type.equals("AAAA"), client, dnsAnswers);
        HttpJson.send(exchange, 200, Views.Route.of(answer.decision(), Optional.empty(), view.freshness(),
                Optional.of(new Views.DnsAnswer(type, answer.addresses().stream().map(InetAddress::getHostAddress)
                        .toList(), client.fromSubnetOption() ? Optional.of(answer.scopePrefix())
                                : Optional.empty()))));
    }

    /** {@code 203.0.113.7} (a resolver's own address) or {@code 203.0.113.0/24} (an EDNS Client Subnet). */
    private static DnsSteering.Client dnsClient(String text) {
        try {
            if (!text.contains("/")) {
                return DnsSteering.Client.resolver(InetAddress.getByAddress(Cidr.literal(text).orElseThrow()));
            }
            Cidr subnet = Cidr.parse(text);
            return new DnsSteering.Client(subnet.network(), subnet.prefixLength(), subnet.prefixLength() > 0);
        } catch (IllegalArgumentException | java.util.NoSuchElementException | UnknownHostException e) {
            throw ApiException.badRequest("bad_client", "client must be an IPv4 or IPv6 address or subnet "
                    + "(203.0.113.0/24), was '" + text + "'");
        }
    }
}
