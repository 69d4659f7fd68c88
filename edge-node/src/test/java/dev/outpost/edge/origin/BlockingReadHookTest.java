package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Over a real loopback connection: the hook runs before a read that would wait, and only then. */
class BlockingReadHookTest {
    private ServerSocket server;
    private Socket client;
    private Socket peer;

    @BeforeEach
    void connect() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = BlockingReadHook.sockets().createSocket();
        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        peer = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        peer.close();
        client.close();
        server.close();
    }

    @Test
    void aReadThatWouldWaitRunsTheHookFirstOnceAndOnlyOnTheThreadThatSetIt() throws Exception {
        InputStream in = client.getInputStream();
        OutputStream origin = peer.getOutputStream();
        AtomicInteger hooked = new AtomicInteger();
        byte[] got = new byte[2];
        BlockingReadHook.around(() -> {
            hooked.incrementAndGet();
            write(origin, "ab"); // the bytes the read waits for arrive only once the hook ran
        }, () -> read(in, got));
        assertThat(hooked).hasValue(1);
        assertThat(new String(got)).isEqualTo("ab");

        write(origin, "cd");
        BlockingReadHook.around(hooked::incrementAndGet, () -> {
            awaitAvailable(in, 2);
            read(in, got); // bytes waiting in the kernel: the read does not block
        });
        assertThat(hooked).as("no hook for a read that does not wait").hasValue(1);

        write(origin, "ef");
        read(in, got); // no hook set on this thread
        assertThat(new String(got)).isEqualTo("ef");
    }

    private static void awaitAvailable(InputStream in, int n) {
        try {
            for (int i = 0; i < 1000 && in.available() < n; i++) {
                Thread.sleep(5);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void read(InputStream in, byte[] into) {
        try {
            assertThat(in.readNBytes(into, 0, into.length)).isEqualTo(into.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
