package dev.outpost.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** What a test of the slow-reader guard needs: reading a stalled connection until the server gives up on it. */
public final class SlowReaders {
    private SlowReaders() {
    }

    /**
     * Reads until EOF or reset and answers the bytes read; fails naming {@code server} if it keeps the connection
     * open past {@code limit} of silence.
     */
    public static long drainUntilClosed(Socket s, Duration limit, String server) throws IOException {
        s.setSoTimeout((int) limit.toMillis());
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the " + server + " kept a stalled reader's connection open; got " + total
                    + " bytes", e);
        } catch (IOException reset) {
            // closed by the server
        }
        return total;
    }
}
