package dev.outpost.common.http;

import io.undertow.Undertow;
import java.lang.reflect.Field;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * What {@link NodeServer} needs from a started Undertow's listeners that Undertow 2.4 keeps private: each listener's
 * accepting channel and open listener (fields of {@link Undertow.ListenerInfo}), read once at start-up by
 * {@link ConnectionsPerClient}, so a renamed field fails start-up naming it instead of failing later.
 */
final class UndertowListeners {
    private UndertowListeners() {
    }

    /** The socket {@code listener} accepts connections on. */
    @SuppressWarnings("unchecked")
    static AcceptingChannel<StreamConnection> accepting(Undertow.ListenerInfo listener) {
        return (AcceptingChannel<StreamConnection>) field(listener, "channel");
    }

    /**
     * Closes every listener's accepting socket, leaving the connections it accepted open: a client connecting from now
     * on is refused at once (and tries another node) instead of waiting in a backlog nobody reads.
     */
    static void closeAccepting(Undertow undertow) {
        for (Undertow.ListenerInfo listener : undertow.getListenerInfo()) {
            IoUtils.safeClose(accepting(listener));
        }
    }

    static Object field(Undertow.ListenerInfo listener, String name) {
        try {
            Field f = Undertow.ListenerInfo.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(listener);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach Undertow's ListenerInfo." + name + " (" + e
                    + "); was Undertow upgraded?", e);
        }
    }
}
