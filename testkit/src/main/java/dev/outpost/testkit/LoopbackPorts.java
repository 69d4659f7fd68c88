package dev.outpost.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for node processes a test starts (and may restart on the same port). A port the kernel hands out for
 * {@code new ServerSocket(0)} lies in the ephemeral range (32768-60999 on Linux), which every outgoing connection on
 * the machine draws from too: between the check and the node's bind, another test's client socket took such a port
 * (seen under load, with other builds running). Ports below that range are never given to outgoing connections;
 * picking them at random keeps test JVMs running side by side from choosing the same one. A port is never handed out
 * twice in one JVM (a test that asks for two ports before binding either must get two: an HTTP and a DNS listener
 * of one node once got the same one), and it is free for UDP too (DNS listens on both).
 */
public final class LoopbackPorts {
    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /**
     * A port of 127.0.0.1 that nothing listens on now (TCP or UDP), below the ephemeral range, not handed out before
     * by this JVM.
     */
    public static int free() {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            try (ServerSocket tcp = new ServerSocket(); DatagramSocket udp = new DatagramSocket(null)) {
                tcp.bind(address);
                udp.bind(address);
            } catch (IOException taken) {
                continue;
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 between " + FIRST + " and " + (FIRST + COUNT));
    }
}
