package dev.outpost.origin.assets;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;

/** Announces asset changes to the configured URL in the background. (Being written: delivery with backoff.) */
public final class ChangeNotifier implements AutoCloseable {
    private ChangeNotifier() {
    }

    public static ChangeNotifier start(OriginConfig.Notify notify) {
        return new ChangeNotifier();
    }

    /** Queues a notice; never blocks and never fails the caller. */
    public void announce(ChangeNotice notice) {
    }

    @Override
    public void close() {
    }
}
