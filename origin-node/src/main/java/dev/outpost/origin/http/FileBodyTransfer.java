package dev.outpost.origin.http;

import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges.Piece;
import dev.outpost.origin.content.OpenMaster;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * Sends one response body (literal pieces and ranges of one open file, exactly its Content-Length) without holding
 * a thread while the client reads it.
 *
 * <p>Design note: a blocking copy holds a worker thread for as long as the client takes to read, so as many slow
 * readers as there are workers (16 on two cores) stopped the origin answering anyone else (issue 23 §4). Here each
 * step runs on a worker and writes only what the socket takes at once: file ranges through
 * {@code StreamSinkChannel.transferFrom}, which is {@code FileChannel.transferTo} (sendfile on Linux) from the open
 * version at an explicit position; literal pieces with plain writes. When the socket is full the step asks to be
 * called when it is writable again and gives the worker back; the IO thread then hands the next step to a worker
 * (as Undertow's own file sender does), so a file read that waits for the disk never stalls an IO thread.
 *
 * <p>What stays as with the blocking copy: bytes come only from the one {@link OpenMaster} (a rename over the path
 * does not touch it), positions are explicit so nothing past the checked size is ever sent, a file that shrank in
 * place under a range aborts the connection (the client sees a broken answer, never a short one that looks
 * complete), and the slow-reader cut-off still applies (it watches {@code getResponseBytesSent}, which counts
 * transferred bytes). The open file is closed when the exchange ends, however it ends: done, failed, or its
 * connection closed (Undertow ends the exchange of a closed connection).
 */
final class FileBodyTransfer implements Runnable, ChannelListener<StreamSinkChannel> {
    private static final Logger LOG = System.getLogger(FileBodyTransfer.class.getName());

    private final HttpServerExchange exchange;
    private final OpenMaster open;
    private final List<Piece> pieces;
    private final StreamSinkChannel channel;
    // Touched by one step at a time; steps follow each other through the worker pool and the IO thread's queue.
    private boolean headSent;
    private int index;
    private long sentOfPiece;
    private ByteBuffer text;

    private FileBodyTransfer(HttpServerExchange exchange, OpenMaster open, List<Piece> pieces,
            StreamSinkChannel channel) {
        this.exchange = exchange;
        this.open = open;
        this.pieces = List.copyOf(pieces);
        this.channel = channel;
    }

    /**
     * Starts sending {@code pieces} as the body of {@code exchange}, whose status and headers are set; from here on
     * the open file belongs to the transfer. Call on a worker thread.
     */
    static void start(HttpServerExchange exchange, OpenMaster open, List<Piece> pieces) {
        exchange.addExchangeCompleteListener((ended, next) -> {
            open.close();
            next.proceed();
        });
        new FileBodyTransfer(exchange, open, pieces, exchange.getResponseChannel()).run();
    }

    /** One step: sends what the socket takes; ends the exchange when all is sent, else waits to be writable. */
    @Override
    public void run() {
        try {
            if (sendWhatTheSocketTakes()) {
                exchange.endExchange(); // flushes what is still buffered without blocking
            } else {
                channel.getWriteSetter().set(this);
                channel.resumeWrites();
            }
        } catch (ChangedWhileServing e) {
            LOG.log(Level.WARNING, open.file().path() + " changed while being served; aborting the response: "
                    + e.getMessage());
            abort();
        } catch (IOException e) {
            // The client went away, or was cut off as a slow reader: there is nobody to answer.
            abort();
        }
    }

    /** On the IO thread: the socket can take more. The next step runs on a worker. */
    @Override
    public void handleEvent(StreamSinkChannel writable) {
        writable.suspendWrites();
        writable.getWriteSetter().set(null);
        try {
            exchange.dispatch(this);
        } catch (RejectedExecutionException e) {
            abort(); // the server is stopping
        }
    }

    private boolean sendWhatTheSocketTakes() throws IOException {
        if (!headSent) {
            // Undertow's HttpResponseConduit (2.4.4) serves a transferFrom that comes before the response head is
            // out by reading a whole buffer from the file's own position, ignoring the position and count given:
            // the head goes first, alone, so every transfer below reaches the socket as asked.
            if (!channel.flush()) {
                return false;
            }
            headSent = true;
        }
        while (index < pieces.size()) {
            Piece piece = pieces.get(index);
            long written = switch (piece) {
                case Piece.Text literal -> {
                    if (text == null) {
                        text = ByteBuffer.wrap(literal.bytes());
                    }
                    yield channel.write(text);
                }
                case Piece.Part part -> transfer(part.range());
            };
            sentOfPiece += written;
            if (sentOfPiece == piece.length()) {
                index++;
                sentOfPiece = 0;
                text = null;
            } else if (written == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Transfers what the socket takes of the rest of {@code range}. {@code transferTo} sends nothing at the end of
     * the file, the same as for a full socket; only then is the size checked, so the common case costs no stat.
     */
    private long transfer(ByteRange range) throws IOException {
        long position = range.first() + sentOfPiece;
        long written = channel.transferFrom(open.channel(), position, range.length() - sentOfPiece);
        if (written == 0 && open.channel().size() <= position) {
            throw new ChangedWhileServing("needed bytes up to " + (range.last() + 1) + ", file ends at "
                    + open.channel().size());
        }
        return written;
    }

    private void abort() {
        exchange.setPersistent(false);
        IoUtils.safeClose(exchange.getConnection());
    }

    /** The file on disk no longer matches what the response's headers promised. */
    private static final class ChangedWhileServing extends IOException {
        ChangedWhileServing(String message) {
            super(message);
        }
    }
}
