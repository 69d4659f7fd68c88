package dev.outpost.origin.http;

import dev.outpost.common.http.MetricsEndpoint;
import dev.outpost.common.metrics.NodeMeters;
import dev.outpost.common.http.RequestMeters;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.replication.Replication;
import dev.outpost.origin.replication.ReplicationMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;

/**
 * The origin's meters, served at {@code /_origin/metrics}: requests and response bytes by route and status (content
 * is route {@code content}), uploads and their bytes, deletes, the change-notice queue, replication (a primary's
 * replicas, a replica's lag; {@link ReplicationMetrics}) and the JVM and process meters of {@link NodeMeters}.
 */
final class OriginMetrics implements AutoCloseable {
    private final NodeMeters meters = new NodeMeters();
    private final ReplicationMetrics replication;
    private final Counter created;
    private final Counter replaced;
    private final Counter uploadBytes;
    private final Counter deletes;

    OriginMetrics(Replication replication, ChangeNotifier notifier) {
        MeterRegistry registry = meters.registry();
        this.replication = new ReplicationMetrics(replication, registry);
        created = Counter.builder("origin.uploads").tag("result", "created")
                .description("uploads stored (PUT /_origin/assets/...), by whether the path was new").register(registry);
        replaced = Counter.builder("origin.uploads").tag("result", "replaced")
                .description("uploads stored (PUT /_origin/assets/...), by whether the path was new").register(registry);
        uploadBytes = Counter.builder("origin.upload.bytes").baseUnit("bytes")
                .description("bytes of the uploads stored").register(registry);
        deletes = Counter.builder("origin.deletes").description("assets deleted (DELETE /_origin/assets/...)")
                .register(registry);
        Gauge.builder("origin.notices.queued", notifier, ChangeNotifier::pending)
                .description("change notices written to the queue and not yet delivered to the control plane")
                .register(registry);
        FunctionCounter.builder("origin.notices.dropped", notifier, ChangeNotifier::dropped)
                .description("change notices dropped (oldest first, logged) because notify.maxPending were "
                        + "already waiting").register(registry);
        FunctionCounter.builder("origin.notices.retries", notifier, ChangeNotifier::retries)
                .description("failed change-notice attempts that were tried again after a backoff")
                .register(registry);
        FunctionCounter.builder("origin.notices.dead.letters", notifier, ChangeNotifier::deadLettered)
                .description("change notices given up on (notifications.maxTries, or refused as invalid) and "
                        + "written to the dead-letter file").register(registry);
        FunctionCounter.builder("origin.notices.delivered", notifier, ChangeNotifier::delivered)
                .description("change notices the control plane accepted").register(registry);
    }

    /** Counts and times every request of the origin's port, once its answer is complete. */
    HandlerWrapper requests() {
        return new RequestMeters(meters.registry(), "origin.requests", "origin.response.bytes", "content");
    }

    void stored(boolean isNew, long bytes) {
        (isNew ? created : replaced).increment();
        uploadBytes.increment(bytes);
    }

    void deleted() {
        deletes.increment();
    }

    HttpHandler endpoint() {
        return new MetricsEndpoint(meters.registry(), replication::refresh);
    }

    @Override
    public void close() {
        meters.close();
    }
}
