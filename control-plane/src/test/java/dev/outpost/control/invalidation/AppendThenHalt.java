package dev.outpost.control.invalidation;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Run in a child JVM by {@link InvalidationLogCrashIT}: appends purges, prints each sequence once {@code append}
 * returned (the moment the API would answer 202), then halts without closing anything, like a kill -9.
 */
public final class AppendThenHalt {
    public static void main(String[] args) {
        InvalidationLog log = InvalidationLog.open(Path.of(args[0]), Clock.systemUTC());
        int count = Integer.parseInt(args[1]);
        for (int i = 0; i < count; i++) {
            LoggedEntry e = log.append(NewEntry.purgeUrls(List.of("http://a.example/" + i)), List.of("eu-1"), "ops");
            System.out.println(e.sequence());
            System.out.flush();
        }
        Runtime.getRuntime().halt(137);
    }
}
