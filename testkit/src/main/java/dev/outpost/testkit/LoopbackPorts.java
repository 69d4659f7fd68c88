package dev.outpost.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for node processes a test starts (and may restart on the same port). A port the kernel hands out for
 * {@code new ServerSocket(0)} lies in the ephemeral range (32768-60999 on Linux), which every outgoing connection on
 * the machine draws from too: between the check and the node's bind, another test's client socket took such a port
 * (seen under load, with other builds running). Ports below that range are never given to outgoing connections;
 * picking them at random keeps test JVMs running side by side from choosing the same one.
 */
public final class LoopbackPorts {
    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;

    private LoopbackPorts() {
    }

    /** A port of 127.0.0.1 that nothing listens on now, below the ephemeral range. */
    public static int free() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 between " + FIRST + " and " + (FIRST + COUNT));
    }
}
