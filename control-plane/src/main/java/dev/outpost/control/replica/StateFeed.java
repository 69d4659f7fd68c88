package dev.outpost.control.replica;

import dev.outpost.common.json.Json;
import dev.outpost.control.steering.SteeringState;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Follows the control planes' steering state: one long poll after another ({@code GET /api/v1/steering/state?wait=
 * pollInterval} with {@code If-None-Match}), so a change arrives as soon as the control plane sees it and an idle
 * feed costs one call per {@code pollInterval}. The control planes are tried in order; the one that answered is
 * kept until a call to it fails, then the next is tried at once, and after a round where none answered the feed
 * pauses {@code pollInterval} before the next round. With several control planes on one shared store (issue 18) any
 * of them serves the same state, so which one answers does not matter.
 */
final class StateFeed implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StateFeed.class.getName());
    static final String PATH = "/api/v1/steering/state";

    private final List<URI> controlPlanes;
    private final String token;
    private final Duration pollInterval;
    private final OkHttpClient http;
    private final ReplicaSteering steering;
    private final Runnable failedFetch;
    private final Thread loop;
    private final Object progress = new Object();
    private long started;
    private long completed;
    /** Calls failed in a row, and the last failure logged: an outage is logged once per distinct error, not per call. */
    private int failuresInARow;
    private String lastLogged = "";
    private volatile boolean closed;

    StateFeed(List<URI> controlPlanes, String token, Duration pollInterval, OkHttpClient http,
            ReplicaSteering steering, Runnable failedFetch) {
        this.controlPlanes = List.copyOf(controlPlanes);
        this.token = token;
        this.pollInterval = pollInterval;
        this.http = http.newBuilder().readTimeout(pollInterval.plusSeconds(10)).build();
        this.steering = steering;
        this.failedFetch = failedFetch;
        this.loop = Thread.ofPlatform().name("steering-state-feed").daemon().unstarted(this::follow);
    }

    StateFeed start() {
        loop.start();
        return this;
    }

    private void follow() {
        int current = 0;
        int failuresInRound = 0;
        while (!closed) {
            URI controlPlane = controlPlanes.get(current);
            synchronized (progress) {
                started++;
            }
            boolean ok = fetch(controlPlane);
            synchronized (progress) {
                completed++;
                progress.notifyAll();
            }
            if (ok) {
                failuresInRound = 0;
                continue;
            }
            failedFetch.run();
            current = (current + 1) % controlPlanes.size();
            if (++failuresInRound >= controlPlanes.size()) {
                failuresInRound = 0;
                pause();
            }
        }
    }

    /** One call; true when {@code controlPlane} answered (a new state or "still current"). */
    private boolean fetch(URI controlPlane) {
        String base = controlPlane.toString().replaceAll("/+$", "");
        Request.Builder request = new Request.Builder()
                .url(base + PATH + "?wait=" + pollInterval.toMillis() + "ms")
                .header("Authorization", "Bearer " + token);
        steering.etag().ifPresent(etag -> request.header("If-None-Match", etag));
        try (Response response = http.newCall(request.build()).execute()) {
            if (response.code() == 304) {
                steering.confirmed(controlPlane);
                recovered(base);
                return true;
            }
            ResponseBody body = response.body();
            if (response.code() == 200) {
                steering.fetched(Json.mapper().readValue(body.bytes(), SteeringState.class), controlPlane);
                recovered(base);
                return true;
            }
            String why = base + " answered " + response.code() + (response.code() == 401 || response.code() == 403
                    ? " (the replica's token needs scope steering)" : "") + ": " + truncated(body.string());
            fail(why);
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                fail(base + ": " + e.getMessage());
            }
        }
        return false;
    }

    private void fail(String why) {
        steering.failed(why);
        failuresInARow++;
        if (!why.equals(lastLogged)) {
            lastLogged = why;
            LOG.log(System.Logger.Level.WARNING, "steering state: " + why + "; answering from the last state held ("
                    + "logged again only when the error changes)");
        }
    }

    private void recovered(String base) {
        if (failuresInARow > 0) {
            LOG.log(System.Logger.Level.INFO, "steering state: " + base + " answers again, after " + failuresInARow
                    + " failed calls");
        }
        failuresInARow = 0;
        lastLogged = "";
    }

    private void pause() {
        synchronized (progress) {
            long until = System.nanoTime() + pollInterval.toNanos();
            while (!closed && System.nanoTime() < until) {
                try {
                    progress.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Waits until a fetch that started after this call has completed (answered, or failed): what a replica knows then
     * is at least what the control plane knew at the call. For tests and start-up; false when {@code timeout} passed
     * first.
     */
    boolean awaitNextFetch(Duration timeout) throws InterruptedException {
        synchronized (progress) {
            long target = started + 1;
            long until = System.nanoTime() + timeout.toNanos();
            while (completed < target) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    private static String truncated(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (progress) {
            progress.notifyAll();
        }
        // a held long poll ends at the latest with its wait; cancelling the calls ends it now
        http.dispatcher().cancelAll();
        loop.interrupt();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
