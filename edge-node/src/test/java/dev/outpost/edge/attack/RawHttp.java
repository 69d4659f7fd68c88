package dev.outpost.edge.attack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Raw bytes to a listener on 127.0.0.1 and what came back, for requests no HTTP client would send. */
final class RawHttp {
    private RawHttp() {
    }

    /**
     * What the server sent and whether it closed the connection.
     *
     * @param text   every byte read, as ISO-8859-1
     * @param closed the server closed (EOF or reset) before the wait ended
     */
    record Reply(String text, boolean closed) {
        /** Status codes of every response in the stream, in order. */
        java.util.List<Integer> statuses() {
            java.util.List<Integer> codes = new java.util.ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("HTTP/1\\.[01] (\\d{3}) ").matcher(text);
            while (m.find()) {
                codes.add(Integer.parseInt(m.group(1)));
            }
            return codes;
        }
    }

    static Reply exchange(int port, String request, Duration wait) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), wait);
    }

    /** Sends the bytes, then reads until the server closes or nothing arrives for {@code wait}. */
    static Reply exchange(int port, byte[] request, Duration wait) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout((int) wait.toMillis());
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            boolean closed = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (IOException e) {
                closed = true; // reset
            }
            return new Reply(got.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }
}
