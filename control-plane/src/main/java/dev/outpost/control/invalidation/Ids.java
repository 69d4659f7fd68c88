package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.util.OptionalLong;

/**
 * API ids of log entries: {@code p-<sequence>} for purges, {@code push-<sequence>} for pushes, {@code c-<sequence>}
 * for configuration changes.
 */
public final class Ids {
    private Ids() {
    }

    public static String of(Kind kind, long sequence) {
        return prefix(kind) + sequence;
    }

    /** The sequence an id of that kind names; empty for anything else (a 404, not a 400). */
    public static OptionalLong parse(Kind kind, String id) {
        String prefix = prefix(kind);
        if (id == null || !id.startsWith(prefix) || !id.substring(prefix.length()).matches("[1-9][0-9]{0,17}")) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(id.substring(prefix.length())));
    }

    private static String prefix(Kind kind) {
        return switch (kind) {
            case PURGE -> "p-";
            case PUSH -> "push-";
            case CONFIG -> "c-";
        };
    }
}
