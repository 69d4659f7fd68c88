package dev.outpost.edge.origin;

import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.ShieldFallback;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a fetch for the cache goes, decided here and nowhere else: a plain edge serving a service with a
 * {@code shieldRegion} asks that region's shields in rendezvous order for the key ({@link Shields}), then the
 * origin; a shield, a pass-through request, a signed service and a request that already passed through an Outpost
 * node ({@link OutpostVia}) go to the origin at once. The shield gets the request on its public URL with the
 * client's Host and the headers the service forwards (the cache fetch's own, with this edge's {@code Via} entry).
 *
 * <p>A shield that refuses the connection, times out or answers a 5xx of its own (stopping, internal error,
 * overloaded: {@link ShieldAnswer}) is passed over for the next one, and after the last, the origin; with no usable
 * shield of the region the origin is asked directly. Each of those is counted ({@link Listener#shieldFallback}, by
 * reason) and logged when a shield's (or a region's) state changes, never per request. A 5xx that is the origin's
 * answer, relayed by the shield, is the answer: asking the origin again (through the next shield or directly)
 * would double the load on a failing origin and bypass the shield's collapsing, so it goes back to the fetch as an
 * origin's 5xx would (stale-if-error, else relayed). A shield that could not reach the origin is believed too,
 * unless {@code origin.shieldFallback} says this edge tries its own path ({@link ShieldFallback}). Both kept errors
 * are counted ({@link Listener#shieldErrorKept}).
 */
public final class Upstream {
    private static final Logger LOG = System.getLogger(Upstream.class.getName());

    /** Fallback reason (the fallback metric's {@code reason} label): the shield refused or reset the connection. */
    public static final String CONNECT = "connect";
    /** Fallback reason: the shield did not answer in time. */
    public static final String TIMEOUT = "timeout";
    /** Fallback reason: the shield answered a 5xx of its own ({@link ShieldAnswer#SHIELD_ERROR}). */
    public static final String SHIELD_ERROR = "shield-error";
    /**
     * The shield could not reach the origin: a fallback reason under
     * {@link ShieldFallback#SHIELD_OR_ORIGIN_UNREACHABLE}, else a kept error's cause (that metric's {@code cause}).
     */
    public static final String ORIGIN_UNREACHABLE = "origin-unreachable";
    /** Fallback reason: the region has no usable shield. */
    public static final String NO_SHIELD = "no-shield";
    /** Kept error cause: the origin's own 5xx, relayed by the shield. */
    public static final String ORIGIN_ERROR = "origin-error";

    /** Told about every fallback and every kept shield error, for metrics. */
    public interface Listener {
        void shieldFallback(String reason);

        /** A shield's 5xx that this fetch kept as its answer instead of falling back, for {@code cause}. */
        default void shieldErrorKept(String cause) {
        }
    }

    private final OriginClient client;
    private final Shields shields;
    private final boolean isShield;
    private final ShieldFallback fallback;
    private final Listener listener;
    /** Shields (by id) and regions (by "region:" + name) that failed last time, with why: for state-change logs. */
    private final ConcurrentHashMap<String, String> failing = new ConcurrentHashMap<>();

    /**
     * @param isShield this node is a shield: it fetches from the origin itself
     * @param fallback when a shield is passed over for the next one and the origin
     */
    public Upstream(OriginClient client, Shields shields, boolean isShield, ShieldFallback fallback,
            Listener listener) {
        this.client = client;
        this.shields = shields;
        this.isShield = isShield;
        this.fallback = fallback;
        this.listener = listener;
    }

    /** Every fetch goes to the origin (a node without shields). */
    public static Upstream originOnly(OriginClient client) {
        return new Upstream(client, new Shields(""), true, ShieldFallback.SHIELD_FAILURE, reason -> { });
    }

    /** Sends a fetch for the cache of {@code t}: through a shield when the service has one, else to the origin. */
    OriginResponse send(OriginFetch.Target t, OriginRequest request) throws OriginUnreachable {
        Optional<String> region = shieldRegion(t);
        if (region.isPresent()) {
            List<ShieldNode> order = shields.forKey(region.get(), t.key());
            if (order.isEmpty()) {
                fellBack("region:" + region.get(), NO_SHIELD, "no usable shield in region " + region.get()
                        + "; fetching from the origin");
            } else {
                regionRecovered(region.get());
            }
            for (ShieldNode shield : order) {
                try {
                    OriginResponse response = client.sendTo(shield.publicUrl(), toShield(t, request));
                    Optional<String> passOver = passOver(response);
                    if (passOver.isEmpty()) {
                        recovered(shield);
                        return response;
                    }
                    response.close();
                    fellBack(shield.id(), passOver.get(), "shield " + shield.id() + " answered "
                            + response.status() + " (" + passOver.get() + "); trying the next shield, then the"
                            + " origin");
                } catch (OriginUnreachable e) {
                    if (e.busy()) {
                        throw e; // this edge's own cap: the origin would be refused the same way
                    }
                    fellBack(shield.id(), e.timeout() ? TIMEOUT : CONNECT, "shield " + shield.id() + " at "
                            + shield.publicUrl() + " failed (" + e.getMessage() + "); trying the next shield, then"
                            + " the origin");
                }
            }
        }
        return client.send(t.route().origins(), request);
    }

    /**
     * The fallback reason when this shield's answer is not to be kept, empty when it is the answer (counting the
     * kept 5xx answers).
     */
    private Optional<String> passOver(OriginResponse response) {
        return switch (ShieldAnswer.of(response.status(), response.headers())) {
            case ANSWERED -> Optional.empty();
            case ORIGIN_ERROR -> {
                listener.shieldErrorKept(ORIGIN_ERROR);
                yield Optional.empty();
            }
            case ORIGIN_UNREACHABLE -> {
                if (fallback == ShieldFallback.SHIELD_OR_ORIGIN_UNREACHABLE) {
                    yield Optional.of(ORIGIN_UNREACHABLE);
                }
                listener.shieldErrorKept(ORIGIN_UNREACHABLE);
                yield Optional.empty();
            }
            case SHIELD_ERROR -> Optional.of(SHIELD_ERROR);
        };
    }

    /** The region whose shields this fetch goes through, if any. */
    private Optional<String> shieldRegion(OriginFetch.Target t) {
        if (isShield || t.pass() || t.route().service().signing().isPresent()
                || OutpostVia.passedOutpost(t.requestHeaders())) {
            // A signed service's token is kept from upstream requests; the shield would refuse them unsigned.
            return Optional.empty();
        }
        return t.route().service().shieldRegion();
    }

    /** The cache fetch's request with the client's Host, which selects the service on the shield. */
    private static OriginRequest toShield(OriginFetch.Target t, OriginRequest request) {
        String host = t.requestHeaders().first("host")
                .orElseGet(() -> t.route().service().hosts().get(0));
        Fields.Builder headers = Fields.builder(request.headers().nameCount() + 1);
        request.headers().forEach(headers::add);
        headers.set("host", host);
        return new OriginRequest(request.method(), request.target(), headers.build(), request.body(),
                request.client());
    }

    private void fellBack(String what, String reason, String message) {
        listener.shieldFallback(reason);
        if (failing.put(what, reason) == null) {
            LOG.log(Level.WARNING, message + " (counted in edge_shield_fallbacks_total{reason=\"" + reason
                    + "\"}; logged once until it recovers)");
        }
    }

    private void recovered(ShieldNode shield) {
        if (failing.remove(shield.id()) != null) {
            LOG.log(Level.INFO, "shield " + shield.id() + " answers again");
        }
    }

    private void regionRecovered(String region) {
        if (failing.remove("region:" + region) != null) {
            LOG.log(Level.INFO, "shields of region " + region + " are usable again");
        }
    }
}
