package dev.outpost.origin.assets;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.content.AssetPath;
import java.io.IOException;
import java.util.Optional;

/**
 * Where {@link AssetWriter} records each change of a master copy, durably, before making it, and releases it once
 * made (or failed): the primary's replication log. Calls for one path come in the order its changes reach the
 * disk (the writer holds the path's lock around record, change and release).
 */
public interface ChangeJournal {
    /** Records nothing: an origin whose writes are copies of another's (a replica applying its primary's log). */
    ChangeJournal NONE = new ChangeJournal() {
        @Override
        public Recorded record(ChangeNotice.Event event, AssetPath path, Optional<AssetInfo> written) {
            return Recorded.NOTHING;
        }

        @Override
        public void release(Recorded recorded) {
        }
    };

    /**
     * Records a change about to be made.
     *
     * @param written the new copy, for {@code CHANGED}; empty for {@code DELETED}
     * @throws IOException when it cannot be recorded durably: the change is then not made
     */
    Recorded record(ChangeNotice.Event event, AssetPath path, Optional<AssetInfo> written) throws IOException;

    /** The change was made, or failed: readers of the journal may now see it. */
    void release(Recorded recorded);

    /** A recorded change: its place in the journal (0 when nothing was recorded). */
    record Recorded(long sequence) {
        public static final Recorded NOTHING = new Recorded(0);
    }
}
