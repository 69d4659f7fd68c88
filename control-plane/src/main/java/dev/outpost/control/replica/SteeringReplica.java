package dev.outpost.control.replica;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.accesslog.AccessLog;
import dev.outpost.common.lifecycle.Closer;
import dev.outpost.control.dns.DnsServer;
import dev.outpost.control.http.Handlers;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.ClientAddress;
import dev.outpost.control.steering.SteeringSource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * A steering instance in a region ({@code outpost steering}): answers the HTTP 302, {@code /api/v1/route} and, when
 * configured, DNS for its region's clients from a read-only replica of the control plane's steering state, so a
 * client's first request costs a round trip to its own region, not to the control plane's, and steering keeps
 * answering while the control plane is down. Built by hand here, in order; closing stops the listeners, then the feed.
 */
public final class SteeringReplica implements AutoCloseable {
    private final Closer parts;
    private final NodeServer listener;
    private final Optional<DnsServer> dns;
    private final StateFeed feed;
    private final ReplicaSteering steering;
    private final SteeringReplicaConfig config;

    private SteeringReplica(Closer parts, NodeServer listener, Optional<DnsServer> dns, StateFeed feed,
            ReplicaSteering steering, SteeringReplicaConfig config) {
        this.config = config;
        this.parts = parts;
        this.listener = listener;
        this.dns = dns;
        this.feed = feed;
        this.steering = steering;
    }

    public static SteeringReplica start(SteeringReplicaConfig config, Clock clock) {
        if (config.controlPlanes().isEmpty()) {
            throw new IllegalArgumentException("controlPlanes (or --control-plane URL[,URL...]) must name at least "
                    + "one control plane");
        }
        Closer parts = new Closer("steering replica " + config.listen());
        try {
            ReplicaSteering steering = new ReplicaSteering(clock, config.staleAfter(),
                    new ClientAddress(config.trustedProxies().stream().map(Cidr::parse).toList()));
            ReplicaMetrics metrics = parts.add(new ReplicaMetrics(steering));
            OkHttpClient http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
                    .followRedirects(false).build();
            parts.add("HTTP client", () -> {
                http.dispatcher().executorService().shutdown();
                http.connectionPool().evictAll();
            });
            StateFeed feed = parts.add(new StateFeed(config.controlPlanes(), config.token(), config.pollInterval(),
                    http, steering, metrics::failedFetch).start());
            AccessLog accessLog = parts.add(AccessLog.open(config.accessLog(), "steering",
                    "steering@" + config.listen(), false, clock));
            NodeServer listener = NodeServer.on(config.listenAddress(), config.limits().serverLimits())
                    .accessLog(accessLog).start(Handlers.replica(config.tokens(), new FailedAuthLimiter(config.limits().failedAuth(), clock),
                            steering, config.dns().map(d -> d.answers()).orElse(1), metrics.registry(),
                            metrics::steered));
            parts.add("steering listener", listener);
            Optional<DnsServer> dns = config.dns().map(d -> DnsServer.start(d, steering, clock, metrics::steered));
            dns.ifPresent(d -> parts.add("DNS server", d));
            return new SteeringReplica(parts, listener, dns, feed, steering, config);
        } catch (RuntimeException e) {
            throw parts.closeAfter(e);
        }
    }

    /** The config this instance was built from. */
    public SteeringReplicaConfig config() {
        return config;
    }

    /** {@code http://host:port} of the listener (302s, {@code /api/v1/route}, {@code /api/v1/metrics}). */
    public URI uri() {
        return listener.baseUri();
    }

    /** The UDP and TCP address of the DNS server, when {@code dns} is configured. */
    public Optional<InetSocketAddress> dnsAddress() {
        return dns.map(DnsServer::address);
    }

    /** What it steers by now, and how old that is. */
    public SteeringSource.Freshness freshness() {
        return steering.view().freshness();
    }

    /**
     * Waits until a fetch of the state that started after this call has completed: what the replica knows then is
     * at least what the control plane knew at the call. False when {@code timeout} passed first.
     */
    public boolean awaitNextFetch(Duration timeout) throws InterruptedException {
        return feed.awaitNextFetch(timeout);
    }

    @Override
    public void close() {
        parts.close();
    }
}
