package dev.outpost.control.registry;

import dev.outpost.common.wire.EntryResult;
import dev.outpost.control.invalidation.ConfigResults;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.PushResults;
import java.util.List;
import java.util.Optional;

/**
 * Records in the invalidation log the results a node's heartbeat reports for entries it applied from catch-up
 * pages: a push's, or a configuration change's (a refusal is dead-lettered for it with its reason, as when answered
 * live).
 */
final class CatchUpResults {
    private CatchUpResults() {
    }

    static void record(InvalidationLog log, String id, List<EntryResult> results) {
        for (EntryResult result : results) {
            Optional<String> refusal = ConfigResults.refusal(result.result());
            if (refusal.isPresent()) {
                log.deadLetters().markDeadLettered(result.sequence(), id, refusal.get(), true);
                continue;
            }
            Optional<String> failure = PushResults.failure(result.result());
            if (failure.isPresent()) {
                log.markFailed(result.sequence(), id, failure.get());
            } else {
                log.markApplied(result.sequence(), id, Optional.of(result.result()));
            }
        }
    }
}
