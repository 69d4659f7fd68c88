package dev.outpost.edge.metrics;

import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.DiskTier;
import dev.outpost.edge.origin.OriginSlots;
import dev.outpost.edge.origin.Spool;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginHealth;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.origin.Routes;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.util.List;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import dev.outpost.common.metrics.NodeMeters;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The edge's meters in a Prometheus registry: requests by cache status, bytes out, origin requests and latency,
 * store bytes/entries/evictions, collapsed waiters and stale answers, next to the JVM and process meters of
 * {@link NodeMeters}. Request outcomes are recorded once, from the same value the access log writes.
 */
public final class EdgeMetrics implements OriginClient.Listener, dev.outpost.edge.origin.Upstream.Listener,
        AutoCloseable {
    private final NodeMeters meters = new NodeMeters();
    private final PrometheusMeterRegistry registry = meters.registry();
    private final Map<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
    private final Counter bytesOut;
    private final Counter staleServed;
    private final Timer originLatency;
    private final Counter originFailures;
    private final Counter originIoThreadMisses;
    /** edge.origin.requests by status class (index 1-5), registered on first use; a benign race re-registers. */
    private final Counter[] originRequestsByClass = new Counter[6];
    private final java.util.concurrent.atomic.AtomicLong active = new java.util.concurrent.atomic.AtomicLong();
    /** The same outcomes per minute, service and status class, for the control plane's statistics. */
    private final TrafficCounts traffic;
    /** The per-origin meters of the configuration now, replaced with it. */
    private final List<io.micrometer.core.instrument.Meter> watched = new java.util.ArrayList<>();
    /** Exponentially weighted moving average of response times, in ms; guarded by {@code this}. */
    private double responseMillis;
    private final SliceCounts slices = new SliceCounts();

    /** Slice caching's counters, which the slice fetches and flows update. */
    public SliceCounts sliceCounts() {
        return slices;
    }

    public EdgeMetrics(CacheStore store, Collapser<?> collapser, OriginSlots slots, Spool spool) {
        this(store, collapser, slots, spool, java.time.Clock.systemUTC());
    }

    /** Meters whose traffic counters bucket requests by minutes of {@code clock}. */
    public EdgeMetrics(CacheStore store, Collapser<?> collapser, OriginSlots slots, Spool spool,
            java.time.Clock clock) {
        this.traffic = new TrafficCounts(clock);
        for (Outcome status : Outcome.values()) {
            requests.put(status, Counter.builder("edge.requests").description("requests answered, by cache status")
                    .tag("cache", status.name()).register(registry));
        }
        bytesOut = Counter.builder("edge.bytes.out").baseUnit("bytes").description("response bytes sent")
                .register(registry);
        staleServed = Counter.builder("edge.stale.served").description("stale answers (swr and stale-if-error)")
                .register(registry);
        originLatency = Timer.builder("edge.origin.latency").description("time to origin response headers")
                .publishPercentileHistogram().register(registry);
        originFailures = Counter.builder("edge.origin.requests").tag("result", "unreachable")
                .description("origin requests, by result").register(registry);
        originIoThreadMisses = Counter.builder("edge.origin.io.thread.misses")
                .description("misses whose origin answer the IO thread's client fetched (origin.fetchOnIoThread)")
                .register(registry);
        Gauge.builder("edge.store.bytes", store, CacheStore::bytes).baseUnit("bytes")
                .description("bytes held by the store").register(registry);
        Gauge.builder("edge.store.entries", store, CacheStore::entries).description("URLs held by the store")
                .register(registry);
        FunctionCounter.builder("edge.store.evictions", store, CacheStore::evictions)
                .description("entries evicted for size (W-TinyLFU turning a newcomer away, and the victims of the "
                        + "size-aware admission, count here too)")
                .register(registry);
        FunctionCounter.builder("edge.store.hits", store, CacheStore::hits)
                .description("lookups answered by the memory tier").register(registry);
        FunctionCounter.builder("edge.slice.hits", slices, s -> s.hits().sum())
                .description("slices of sliced objects served from the store").register(registry);
        FunctionCounter.builder("edge.slice.fetches", slices, s -> s.fetches().sum())
                .description("slice requests sent upstream").register(registry);
        FunctionCounter.builder("edge.slice.collapsed", slices, s -> s.collapsed().sum())
                .description("requests that waited for a slice being fetched instead of fetching it")
                .register(registry);
        FunctionCounter.builder("edge.slice.changed", slices, s -> s.changed().sum())
                .description("sliced objects whose validator changed mid-response (their slices dropped)")
                .register(registry);
        FunctionCounter.builder("edge.slice.fallbacks", slices, s -> s.fallbacks().sum())
                .description("sliced misses served whole instead (upstream ignored Range, no validator)")
                .register(registry);
        store.disk().ifPresent(disk -> {
            Gauge.builder("edge.disk.bytes", disk, DiskTier::bytes).baseUnit("bytes")
                    .description("bytes of object files held by the disk tier").register(registry);
            // Below cache.disk.maxBytes while the file system is short of space (cache.disk.minFreeBytes).
            Gauge.builder("edge.disk.max.bytes", disk, DiskTier::maxBytes).baseUnit("bytes")
                    .description("the bound on the disk tier's bytes now: cache.disk.maxBytes, or less while its file"
                            + " system keeps cache.disk.minFreeBytes free").register(registry);
            Gauge.builder("edge.disk.entries", disk, DiskTier::entries).description("URLs held by the disk tier")
                    .register(registry);
            FunctionCounter.builder("edge.disk.hits", disk, DiskTier::hits)
                    .description("lookups answered by the disk tier (memory missed)").register(registry);
            // Apart, because a queued hit costs no file read: a high share means the writer is behind its traffic.
            FunctionCounter.builder("edge.disk.queued.hits", disk, DiskTier::queuedHits)
                    .description("of the disk hits, those answered from a write still queued (no file read yet)")
                    .register(registry);
            FunctionCounter.builder("edge.disk.evictions", disk, DiskTier::evictions)
                    .description("disk objects evicted for size").register(registry);
            FunctionCounter.builder("edge.disk.rejections", disk, DiskTier::rejections)
                    .description("writes the disk tier declined: too large, partial, writer behind, or purged "
                            + "while queued").register(registry);
            FunctionCounter.builder("edge.disk.writes", disk, DiskTier::writes)
                    .description("objects written to the disk tier").register(registry);
            FunctionCounter.builder("edge.disk.write.failures", disk, DiskTier::writeFailures)
                    .description("disk writes that failed (I/O errors; the object stays in memory only)")
                    .register(registry);
        });
        Gauge.builder("edge.origin.open", slots, OriginSlots::open)
                .description("origin requests open now (their bodies still being read)").register(registry);
        FunctionCounter.builder("edge.origin.busy", slots, OriginSlots::refused)
                .description("requests refused because the edge's caps on open origin requests were reached")
                .register(registry);
        Gauge.builder("edge.spool.bytes", spool, Spool::usedBytes).baseUnit("bytes")
                .description("bytes of origin bodies spooled to disk for slow clients now").register(registry);
        FunctionCounter.builder("edge.spool.full", spool, Spool::fullCount)
                .description("times a body found the spool full and was read at its slowest client's pace")
                .register(registry);
        FunctionCounter.builder("edge.store.purged.while.fetching", store, CacheStore::refusedAfterPurge)
                .description("origin answers not stored (or stored stale) because a matching purge ran while they "
                        + "were fetched").register(registry);
        FunctionCounter.builder("edge.collapsed.waiters", collapser, Collapser::followersTotal)
                .description("requests that waited for another request's origin fetch").register(registry);
    }

    /**
     * Per origin of each service, from its circuit breaker: {@code edge_origin_circuit_state} (0 closed, 1 open,
     * 2 half-open), {@code edge_origin_circuit_opened_total} and {@code edge_origin_circuit_short_circuited_total}
     * (requests not sent to it because its circuit was open). Labelled by the service's name and the origin's
     * place in its list (1 = primary), never by its address: metrics answer on the public listener too, and an
     * origin's address is what an attacker needs to go around the CDN. Called again with each new configuration:
     * the meters of services (or origins) no longer configured go, so a deleted service leaves no stale series.
     */
    public synchronized void watch(OriginHealth health, Routes routes) {
        watched.forEach(registry::remove);
        watched.clear();
        for (DeliveryService service : routes.services()) {
            List<URI> origins = routes.find(service.hosts().get(0)).map(Route::origins).orElse(service.origins());
            for (int i = 0; i < origins.size(); i++) {
                URI origin = origins.get(i);
                Tags tags = Tags.of("service", service.name(), "origin", Integer.toString(i + 1));
                watched.add(Gauge.builder("edge.origin.circuit.state", health, h -> h.stateCode(origin)).tags(tags)
                        .description("the origin's circuit breaker: 0 closed, 1 open, 2 half-open (a probe is out)")
                        .register(registry));
                watched.add(FunctionCounter.builder("edge.origin.circuit.opened", health,
                        h -> h.state(origin).opened())
                        .tags(tags).description("times the origin's circuit opened after repeated failures")
                        .register(registry));
                watched.add(FunctionCounter.builder("edge.origin.circuit.short.circuited", health,
                        h -> h.state(origin).shortCircuited()).tags(tags)
                        .description("requests not sent to the origin because its circuit was open")
                        .register(registry));
            }
        }
    }

    /** A request arrived; {@link #requestEnded} follows once it is answered (or dropped). */
    public void requestStarted() {
        active.incrementAndGet();
    }

    /**
     * A request ended after {@code nanos}. The moving average weighs the latest response 1/16, so it follows a
     * change of pace within some tens of requests while one slow download does not swing it.
     */
    public void requestEnded(long nanos) {
        active.decrementAndGet();
        double millis = nanos / 1e6;
        synchronized (this) {
            responseMillis = responseMillis == 0 ? millis : responseMillis + (millis - responseMillis) / 16;
        }
    }

    /** Requests in flight now. */
    public long activeRequests() {
        return Math.max(0, active.get());
    }

    /** The moving average of response times, 0 before the first response. */
    public synchronized double responseMillis() {
        return responseMillis;
    }

    public void recordRequest(Outcome status, long bytes) {
        requests.get(status).increment();
        if (bytes > 0) {
            bytesOut.increment(bytes);
        }
        if (status == Outcome.STALE) {
            staleServed.increment();
        }
    }

    /**
     * A cache request of delivery service {@code service} answered {@code statusCode}: its outcome and bytes, also
     * counted for the control plane's statistics (a hit is an answer from the cache: HIT or STALE).
     */
    public void recordRequest(Outcome status, long bytes, String service, int statusCode) {
        recordRequest(status, bytes);
        traffic.record(service, statusCode, status == Outcome.HIT || status == Outcome.STALE, bytes);
    }

    /** The traffic counters the control-plane link sends in batches with its heartbeats. */
    public TrafficCounts traffic() {
        return traffic;
    }

    @Override
    public void originResponded(int status, Duration latency) {
        int statusClass = status / 100;
        Counter requests = statusClass >= 0 && statusClass < originRequestsByClass.length
                ? originRequestsByClass[statusClass] : null;
        if (requests == null) {
            // registered on first use (a class an origin never answered with stays out of the scrape), then kept:
            // the builder's lookup cost a map search and a tag list per miss
            requests = Counter.builder("edge.origin.requests").tag("result", statusClass + "xx").register(registry);
            if (statusClass >= 0 && statusClass < originRequestsByClass.length) {
                originRequestsByClass[statusClass] = requests;
            }
        }
        requests.increment();
        originLatency.record(latency);
    }

    @Override
    public void originFailed(Duration latency) {
        originFailures.increment();
        originLatency.record(latency);
    }

    /** A fetch that should have gone through a shield went to the next shield or the origin, for {@code reason}. */
    @Override
    public void shieldFallback(String reason) {
        Counter.builder("edge.shield.fallbacks").tag("reason", reason)
                .description("fetches that passed over a shield (to the next one or the origin), by reason")
                .register(registry).increment();
    }

    /** A shield's 5xx kept as the answer (not passed over: the origin's own, or the origin unreachable). */
    @Override
    public void shieldErrorKept(String cause) {
        Counter.builder("edge.shield.errors.kept").tag("cause", cause)
                .description("5xx answers of a shield kept as the answer instead of falling back: the origin's "
                        + "own, relayed, or the shield's for an origin it could not reach").register(registry)
                .increment();
    }

    @Override
    public void originAnsweredOnIoThread() {
        originIoThreadMisses.increment();
    }

    @Override
    public void bodyRejected(String kind) {
        Counter.builder("edge.origin.bodies.rejected").tag("reason", kind)
                .description("origin bodies refused because they disagree with their headers").register(registry)
                .increment();
    }

    /** Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry {@code /_edge/metrics} serves. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        meters.close();
    }

    public double requestCount(Outcome status) {
        return requests.get(status).count();
    }
}
