package dev.outpost.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The demo site the local origin serves. Always a copy (uploads through the asset API must never change the
 * repository): of {@code --site DIR} when given, else of {@code deploy/sample-site} when run from the repository,
 * else of the copy bundled in the jar (resource {@code outpost/sample-site}, packaged from the same folder).
 */
final class SampleSite {
    static final String RESOURCE = "outpost/sample-site";
    static final Path IN_REPOSITORY = Path.of("deploy", "sample-site");

    private SampleSite() {
    }

    /** Copies the site into {@code target} (created); answers where it came from, for the banner. */
    static String copyInto(Optional<Path> explicit, Path target) {
        try {
            if (explicit.isPresent()) {
                if (!Files.isDirectory(explicit.get())) {
                    throw new IllegalArgumentException("--site " + explicit.get() + ": no such folder");
                }
                copyTree(explicit.get(), target);
                return explicit.get().toAbsolutePath().normalize().toString();
            }
            if (Files.isDirectory(IN_REPOSITORY)) {
                copyTree(IN_REPOSITORY, target);
                return IN_REPOSITORY.toAbsolutePath().normalize().toString();
            }
            return copyBundled(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the demo site into " + target + ": " + e.getMessage(), e);
        }
    }

    private static String copyBundled(Path target) throws IOException {
        URL url = SampleSite.class.getClassLoader().getResource(RESOURCE);
        if (url == null) {
            throw new IllegalStateException("the jar holds no " + RESOURCE + "; give --site DIR");
        }
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + url, e);
        }
        if ("jar".equals(uri.getScheme())) {
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                copyTree(jar.getPath("/" + RESOURCE), target);
            }
        } else {
            copyTree(Path.of(uri), target);
        }
        return "the copy bundled in outpost.jar";
    }

    private static void copyTree(Path source, Path target) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            // toString on the relative path: the source may live in a jar's file system, the target does not
            Path destination = target.resolve(source.relativize(file).toString());
            Files.createDirectories(destination.getParent());
            Files.copy(file, destination);
        }
    }
}
