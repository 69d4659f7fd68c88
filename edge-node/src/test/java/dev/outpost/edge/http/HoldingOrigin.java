package dev.outpost.edge.http;

import dev.outpost.common.http.HttpDates;
import dev.outpost.testkit.FakeOrigin;
import dev.outpost.testkit.FakeOrigin.Hold;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;

/**
 * An origin ({@link FakeOrigin}) serving one body to every request, with {@code ETag: "v1"}: it sends the head and
 * the first {@code holdAfter} bytes, then waits until {@link #release} before sending the rest (or, when
 * {@code truncate}, closes the connection instead); with {@link #holdingAgainAt} it stops once more, until
 * {@link #releaseAgain}. Counts requests and answers sent to their end, so a test can tell when the edge has read
 * a body whole.
 */
final class HoldingOrigin implements AutoCloseable {
    private final FakeOrigin origin;
    private final int bodyLength;
    private final int holdAfter;
    private final Hold held = new Hold();
    private final Hold heldAgain = new Hold();
    private volatile int holdAgainAfter = -1;

    HoldingOrigin(byte[] body, int holdAfter, boolean truncate, String cacheControl) throws IOException {
        this.bodyLength = body.length;
        this.holdAfter = holdAfter;
        origin = FakeOrigin.start(request -> {
            FakeOrigin.Answer answer = FakeOrigin.Answer.ok(body).header("Cache-Control", cacheControl)
                    .header("ETag", "\"v1\"").header("Date", HttpDates.format(Instant.now()));
            if (holdAfter >= body.length) {
                return answer;
            }
            if (truncate) {
                return answer.cutAt(holdAfter, held);
            }
            answer.holdAt(holdAfter, held);
            return holdAgainAfter > 0 ? answer.holdAt(holdAgainAfter, heldAgain) : answer;
        });
    }

    /** An origin that sends the whole body at once. */
    static HoldingOrigin immediate(byte[] body, String cacheControl) throws IOException {
        return new HoldingOrigin(body, body.length, false, cacheControl);
    }

    /** This origin, stopping a second time after {@code offset} bytes (past the first hold) until released again. */
    HoldingOrigin holdingAgainAt(int offset) {
        if (offset <= holdAfter || offset >= bodyLength) {
            throw new IllegalArgumentException("the second hold must lie between the first and the end");
        }
        holdAgainAfter = offset;
        return this;
    }

    /** Waits until the origin sent its first bytes and holds the rest. */
    void awaitHeld() throws InterruptedException {
        held.awaitReached();
    }

    void release() {
        held.release();
    }

    /** Waits until the origin sent the bytes up to its second hold. */
    void awaitHeldAgain() throws InterruptedException {
        heldAgain.awaitReached();
    }

    void releaseAgain() {
        heldAgain.release();
    }

    /** Requests the origin read. */
    int requests() {
        return origin.requests();
    }

    /** Answers sent to their end. */
    int answeredWhole() {
        return origin.answeredWhole();
    }

    URI uri() {
        return origin.uri();
    }

    @Override
    public void close() throws IOException {
        held.release();
        heldAgain.release();
        origin.close();
    }
}
