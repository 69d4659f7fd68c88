package dev.outpost.edge.service;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.origin.Routes;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The delivery services this edge runs, as one immutable {@link Routes} swapped whole: a request reads
 * {@link #current()} once (the route handler attaches the route it found), so it finishes with the configuration it
 * started with, and the hit path takes no lock. Changes are serialized among themselves.
 *
 * <p>Source rules (docs/edge.md, "Where services come from"): the edge starts from its file's {@code services}, or,
 * with a control plane and a {@code controlPlane.configCache} holding a configuration, from that copy. The control
 * plane's configuration replaces the file's as soon as it has one (version &gt; 0): a snapshot (registration, reset)
 * replaces everything, a {@link ServiceChange} creates, replaces or deletes one service on top of the control
 * plane's configuration (never on top of the file's, which the control plane does not know). A change the edge
 * cannot run is refused with a reason and the previous configuration stays.
 */
public final class ServiceDirectory {
    private static final Logger LOG = System.getLogger(ServiceDirectory.class.getName());

    private final String edgeId;
    private final String region;
    private final List<DeliveryService> fileServices;
    private volatile OwnAddresses own = OwnAddresses.none();
    private final Consumer<Routes> onChange;
    private volatile Routes current;

    /**
     * @param initial  what the edge starts with (its file's services, or its cached control-plane configuration)
     * @param onChange told of every new configuration, after the swap (metrics, the configuration cache)
     */
    public ServiceDirectory(String edgeId, List<DeliveryService> fileServices, Routes initial,
            Consumer<Routes> onChange) {
        this.edgeId = edgeId;
        this.region = initial.region();
        this.fileServices = List.copyOf(fileServices);
        this.onChange = onChange;
        this.current = initial;
        LOG.log(Level.INFO, () -> edgeId + " serves " + describe(initial));
    }

    /** The edge's own listeners, once they are bound: no origin may name one (the edge would fetch from itself). */
    public void listeningOn(OwnAddresses listeners) {
        own = listeners;
    }

    /** The configuration now; read it once per request. */
    public Routes current() {
        return current;
    }

    /** The route for a Host in the current configuration. */
    public Optional<Route> find(String host) {
        return current.find(host);
    }

    /**
     * Applies one change of the control plane's configuration: the edge then runs {@code change.version()}, or it
     * refused the change (with the reason) and runs what it ran before. A version at or below the one it runs is
     * applied already.
     */
    public synchronized ConfigResult apply(ServiceChange change) {
        Routes before = current;
        if (before.source() == Routes.Source.CONTROL_PLANE && change.version() <= before.version()) {
            return ConfigResult.applied(change.version());
        }
        // The file's services are no part of the control plane's configuration: its first change starts from none.
        Map<String, DeliveryService> services = new LinkedHashMap<>();
        if (before.source() == Routes.Source.CONTROL_PLANE) {
            before.services().forEach(s -> services.put(s.name(), s));
        }
        if (change.deletes()) {
            services.remove(change.service());
        } else {
            Optional<String> unrunnable = own.refusal(change.definition());
            if (unrunnable.isPresent()) {
                return refused(change, unrunnable.get());
            }
            services.put(change.service(), change.definition());
        }
        Routes next;
        try {
            next = new Routes(List.copyOf(services.values()), Routes.Source.CONTROL_PLANE, change.version(), region);
        } catch (IllegalArgumentException e) {
            return refused(change, e.getMessage());
        }
        swap(before, next, (change.deletes() ? "deleted" : "set") + " service '" + change.service() + "'");
        return ConfigResult.applied(change.version());
    }

    /**
     * Replaces the whole configuration with the control plane's (registration, reset). Version 0 means the control
     * plane defines no services: the edge serves its file's. A service the edge cannot run is left out (logged);
     * the others run.
     *
     * @return the services left out, each with its reason
     */
    public synchronized List<String> replace(ServiceSnapshot snapshot) {
        Routes before = current;
        if (snapshot.version() == 0) {
            if (before.source() != Routes.Source.FILE) {
                swap(before, new Routes(fileServices, Routes.Source.FILE, 0, region),
                        "the control plane defines no services");
            }
            return List.of();
        }
        List<DeliveryService> kept = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (DeliveryService service : snapshot.services()) {
            Optional<String> refusal = own.refusal(service);
            if (refusal.isEmpty()) {
                List<DeliveryService> with = new ArrayList<>(kept);
                with.add(service);
                try {
                    new Routes(with, Routes.Source.CONTROL_PLANE, snapshot.version(), region);
                } catch (IllegalArgumentException e) {
                    refusal = Optional.of(e.getMessage());
                }
            }
            if (refusal.isPresent()) {
                leftOut.add("service '" + service.name() + "': " + refusal.get());
            } else {
                kept.add(service);
            }
        }
        leftOut.forEach(why -> LOG.log(Level.ERROR, edgeId + " cannot run " + why + "; it serves the others of "
                + "configuration version " + snapshot.version()));
        swap(before, new Routes(kept, Routes.Source.CONTROL_PLANE, snapshot.version(), region),
                "snapshot of " + snapshot.services().size() + " services");
        return List.copyOf(leftOut);
    }

    private ConfigResult refused(ServiceChange change, String reason) {
        LOG.log(Level.WARNING, edgeId + " refused configuration version " + change.version() + " (service '"
                + change.service() + "'): " + reason + "; it keeps running " + describe(current));
        return ConfigResult.refused(change.version(), reason);
    }

    private void swap(Routes before, Routes next, String what) {
        current = next;
        if (before.source() != next.source()) {
            LOG.log(Level.INFO, () -> edgeId + " switches its services' source: now serves " + describe(next));
        } else {
            LOG.log(Level.INFO, () -> edgeId + " applied " + what + ": now serves " + describe(next));
        }
        onChange.accept(next);
    }

    /** {@code 2 services from the control plane, configuration version 7} and the like, for the logs. */
    public static String describe(Routes routes) {
        String count = routes.services().size() + (routes.services().size() == 1 ? " service" : " services");
        return routes.source() == Routes.Source.FILE ? count + " from its configuration file"
                : count + " from the control plane, configuration version " + routes.version();
    }

    /**
     * The edge's own listeners ({@code host:port} as bound): an origin naming one of them would have the edge fetch
     * from itself, a loop that ties up every origin slot; such a service is refused.
     */
    public record OwnAddresses(List<InetSocketAddress> listeners) {
        public OwnAddresses {
            listeners = List.copyOf(listeners);
        }

        /** Names nothing: tests that build a directory without listeners. */
        public static OwnAddresses none() {
            return new OwnAddresses(List.of());
        }

        Optional<String> refusal(DeliveryService service) {
            for (URI origin : service.allOrigins()) {
                int port = origin.getPort() >= 0 ? origin.getPort() : "https".equals(origin.getScheme()) ? 443 : 80;
                String host = origin.getHost().toLowerCase(Locale.ROOT);
                for (InetSocketAddress listener : listeners) {
                    if (listener.getPort() == port && names(listener, host)) {
                        return Optional.of("origin '" + origin + "' is this edge's own listener " + listener
                                + ": the edge would fetch from itself");
                    }
                }
            }
            return Optional.empty();
        }

        private static boolean names(InetSocketAddress listener, String host) {
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            boolean loopbackName = bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1");
            if (listener.getAddress() != null && listener.getAddress().isAnyLocalAddress()) {
                return loopbackName;
            }
            if (listener.getAddress() != null && listener.getAddress().isLoopbackAddress()
                    && bare.equals("localhost")) {
                return true;
            }
            return bare.equalsIgnoreCase(listener.getHostString())
                    || listener.getAddress() != null && bare.equals(listener.getAddress().getHostAddress());
        }
    }
}
