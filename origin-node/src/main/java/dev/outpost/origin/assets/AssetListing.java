package dev.outpost.origin.assets;

import dev.outpost.common.problem.Problem;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.RequestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Lists master copies in path order, a page at a time, for {@code GET /_origin/assets?prefix=&limit=&after=}.
 * Lists exactly what the content port would serve: regular files, and symlinks whose real path is a regular file
 * inside the data directory; never dotfiles, dot-directories (so never upload temp files) or anything reached
 * through a symlinked directory. Paths compare as strings; the cursor is the last path of a page, and the next
 * page holds the paths after it. The walk keeps only the best {@code limit + 1} candidates, and only the page's
 * entries are hashed for their ETags.
 */
public final class AssetListing {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private final MasterStore store;

    public AssetListing(MasterStore store) {
        this.store = store;
    }

    /** One page; {@code next} is the cursor for the following page, empty on the last one. */
    public record Page(List<AssetInfo> items, Optional<String> next) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /** Query parameters, validated: prefix and cursor are URL paths ({@code /css/}), the limit is 1..1000. */
    public record Query(String prefix, int limit, Optional<String> after) {
        public Query {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw Problem.invalid("bad_parameter", "limit must be between 1 and " + MAX_LIMIT
                        + ", was " + limit);
            }
            prefix = rooted("prefix", prefix);
            after = after.filter(a -> !a.isEmpty()).map(a -> rooted("after", a));
        }

        /**
         * Reads raw query values.
         *
         * @throws Problem invalid, {@code bad_parameter}, naming the parameter
         */
        public static Query parse(Optional<String> prefix, Optional<String> limit, Optional<String> after) {
            int parsedLimit = DEFAULT_LIMIT;
            if (limit.isPresent()) {
                try {
                    parsedLimit = Integer.parseInt(limit.get().strip());
                } catch (NumberFormatException e) {
                    throw Problem.invalid("bad_parameter", "limit must be an integer between 1 and "
                            + MAX_LIMIT + ", was '" + limit.get() + "'");
                }
            }
            return new Query(prefix.orElse("/"), parsedLimit, after);
        }

        private static String rooted(String name, String value) {
            if (value.length() > RequestPaths.MAX_RAW_LENGTH) {
                throw Problem.invalid("bad_parameter", name + " is longer than "
                        + RequestPaths.MAX_RAW_LENGTH + " characters");
            }
            if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw Problem.invalid("bad_parameter", name + " holds a control character");
            }
            return value.startsWith("/") ? value : "/" + value;
        }
    }

    public Page list(Query query) {
        TreeMap<String, AssetPath> best = new TreeMap<>();
        try {
            Files.walkFileTree(store.root(), new Collector(query, best));
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + store.root() + " failed: " + e.getMessage(), e);
        }
        List<AssetInfo> items = new ArrayList<>(query.limit());
        String last = "";
        int taken = 0;
        for (AssetPath path : best.values()) {
            if (taken++ == query.limit()) {
                break;
            }
            last = path.urlPath();
            // Deleted since the walk: leave it out rather than fail the page.
            store.find(path).map(AssetInfo::of).ifPresent(items::add);
        }
        Optional<String> next = best.size() > query.limit() ? Optional.of(last) : Optional.empty();
        return new Page(items, next);
    }

    /** Walks the tree (symlinks not followed) keeping the {@code limit + 1} smallest matching paths. */
    private final class Collector extends SimpleFileVisitor<Path> {
        private final Query query;
        private final TreeMap<String, AssetPath> best;

        Collector(Query query, TreeMap<String, AssetPath> best) {
            this.query = query;
            this.best = best;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
            if (dir.equals(store.root())) {
                return FileVisitResult.CONTINUE;
            }
            Optional<AssetPath> path = assetPath(dir);
            if (path.isEmpty() || path.get().isHidden()) {
                return FileVisitResult.SKIP_SUBTREE;
            }
            String inside = path.get().urlPath() + "/";
            // Descend only where a path could start with the prefix.
            boolean mayMatch = inside.startsWith(query.prefix()) || query.prefix().startsWith(inside);
            return mayMatch ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
            Optional<AssetPath> path = assetPath(file);
            if (path.isEmpty() || path.get().isHidden()) {
                return FileVisitResult.CONTINUE;
            }
            String url = path.get().urlPath();
            if (!url.startsWith(query.prefix()) || query.after().isPresent()
                    && url.compareTo(query.after().get()) <= 0) {
                return FileVisitResult.CONTINUE;
            }
            if (!(attributes.isRegularFile() || attributes.isSymbolicLink() && staysInside(file))) {
                return FileVisitResult.CONTINUE;
            }
            best.put(url, path.get());
            if (best.size() > query.limit() + 1) {
                best.pollLastEntry();
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // unreadable entries are not listed
        }

        private boolean staysInside(Path link) {
            try {
                Path real = link.toRealPath();
                return real.startsWith(store.root()) && Files.isRegularFile(real);
            } catch (IOException e) {
                return false; // dangling
            }
        }

        /** The asset path of an entry, unless its name could never be requested (backslash, control character). */
        private Optional<AssetPath> assetPath(Path entry) {
            List<String> segments = new ArrayList<>();
            for (Path name : store.root().relativize(entry)) {
                String segment = name.toString();
                if (segment.chars().anyMatch(c -> c == '\\' || c < 0x20 || c == 0x7f)) {
                    return Optional.empty();
                }
                segments.add(segment);
            }
            return Optional.of(new AssetPath(segments));
        }
    }
}
