package dev.outpost.edge.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket origin on 127.0.0.1 that announces {@code announced} bytes, sends only {@code sent}, then closes:
 * the truncated response MockWebServer cannot produce reliably. {@link #CLOSE_DELIMITED} announces no length at
 * all (the body ends when the connection does); {@link #CHUNKED} sends {@code sent} bytes as one chunk and closes
 * without the last chunk.
 */
final class TruncatingOrigin implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    final AtomicInteger requests = new AtomicInteger();

    static final int CLOSE_DELIMITED = -1;
    static final int CHUNKED = -2;

    TruncatingOrigin(int announced, int sent) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        thread = Thread.ofVirtual().start(() -> {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    requests.incrementAndGet();
                    readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    String framing = announced == CLOSE_DELIMITED ? "Connection: close\r\n"
                            : announced == CHUNKED ? "Transfer-Encoding: chunked\r\n"
                            : "Content-Length: " + announced + "\r\n";
                    out.write(("HTTP/1.1 200 OK\r\n" + framing + "Cache-Control: max-age=60\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    if (announced == CHUNKED) {
                        out.write((Integer.toHexString(sent) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(new byte[sent]);
                    out.flush();
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void readHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return;
            }
            state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        socket.close();
        thread.interrupt();
    }
}
