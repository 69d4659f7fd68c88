package dev.outpost.common.http;

import io.undertow.Undertow;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * Caps the connections one client address holds open on a listener ({@code limits.maxConnectionsPerClient}): a
 * connection accepted beyond the cap is closed at once, before it is read from, so one client holding thousands
 * of (idle, reconnecting) sockets cannot fill the listener's {@code maxConnections} and make everyone else wait in
 * the backlog. Counted at accept time, so sockets that never send a byte count too. Open connections are found by
 * asking each remembered connection whether it is still open (Undertow owns their close listeners), pruned for
 * an address whenever it connects again and for all addresses once the table grows past twice the cap's worth.
 *
 * <p>Undertow 2.4 offers no hook between accept and its open listener, so {@link #install} swaps the listener's
 * accept listener after start, wrapping Undertow's own open listener; it reads the two fields it needs from
 * {@link Undertow.ListenerInfo} ({@link UndertowListeners}), which fails start-up naming them if an Undertow upgrade
 * renamed them.
 */
final class ConnectionsPerClient implements ChannelListener<StreamConnection> {
    private final int max;
    private final ChannelListener<StreamConnection> openListener;
    private final ConcurrentMap<InetAddress, List<StreamConnection>> open = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final int sweepAbove;

    ConnectionsPerClient(int max, ChannelListener<StreamConnection> openListener, int maxConnections) {
        this.max = max;
        this.openListener = openListener;
        this.sweepAbove = Math.max(1024, 2 * maxConnections);
    }

    /** Puts the cap in front of every listener of a started server. */
    @SuppressWarnings("unchecked")
    static void install(Undertow undertow, int maxPerClient, int maxConnections) {
        for (Undertow.ListenerInfo listener : undertow.getListenerInfo()) {
            ChannelListener<StreamConnection> open = (ChannelListener<StreamConnection>) UndertowListeners.field(
                    listener, "openListener");
            AcceptingChannel<StreamConnection> channel = UndertowListeners.accepting(listener);
            channel.getAcceptSetter().set(ChannelListeners.openListenerAdapter(
                    new ConnectionsPerClient(maxPerClient, open, maxConnections)));
        }
    }

    @Override
    public void handleEvent(StreamConnection connection) {
        InetSocketAddress peer = connection.getPeerAddress(InetSocketAddress.class);
        if (peer == null) {
            openListener.handleEvent(connection);
            return;
        }
        boolean[] admitted = {false};
        open.compute(peer.getAddress(), (address, held) -> {
            List<StreamConnection> list = held == null ? new ArrayList<>() : held;
            list.removeIf(c -> !c.isOpen());
            if (list.size() < max) {
                list.add(connection);
                admitted[0] = true;
            }
            return list;
        });
        if (!admitted[0]) {
            refused.incrementAndGet();
            IoUtils.safeClose(connection);
            return;
        }
        if (open.size() > sweepAbove) {
            sweep();
        }
        openListener.handleEvent(connection);
    }

    /** Forgets closed connections, and addresses that hold none. */
    private void sweep() {
        for (InetAddress address : open.keySet()) {
            open.computeIfPresent(address, (a, list) -> {
                list.removeIf(c -> !c.isOpen());
                return list.isEmpty() ? null : list;
            });
        }
    }
}
