package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/find-jdk.sh}, which ./outpost sources on every call: it finds a JDK without starting a JVM when it
 * can, and keeps its answer in a cache that is dropped as soon as the answer may be wrong. The JDKs here are fake
 * folders whose {@code bin/java} counts how often it is started.
 */
class FindJdkScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "find-jdk.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Path cache;
    /** The JDK running this test: the fallback when a fake is refused, found through PATH. */
    private Path realJdk;

    @BeforeEach
    void paths() throws IOException {
        cache = dir.resolve("cache");
        realJdk = Path.of(System.getProperty("java.home")).toRealPath();
    }

    /** What one call of outpost_find_jdk answered. */
    private record Found(int exit, String javaHome, String major, String stderr) {
    }

    private Found find(Path javaHome, boolean needJavac) throws IOException, InterruptedException {
        ProcessBuilder bash = new ProcessBuilder("bash", "-c",
                ". \"$1\" && outpost_find_jdk && echo \"$JAVA_HOME\" && echo \"$OUTPOST_JAVA_MAJOR\"", "find",
                SCRIPT.toString());
        Map<String, String> env = bash.environment();
        env.clear();
        env.put("PATH", realJdk.resolve("bin") + ":/usr/bin:/bin");
        env.put("HOME", dir.toString());
        env.put("OUTPOST_CACHE_DIR", cache.toString());
        env.put("JAVA_HOME", javaHome.toString());
        if (needJavac) {
            env.put("OUTPOST_NEED_JAVAC", "1");
        }
        Process process = bash.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = out.lines().toList();
        return new Found(process.exitValue(), lines.isEmpty() ? "" : lines.get(0),
                lines.size() < 2 ? "" : lines.get(1), err);
    }

    /** A JDK folder whose bin/java answers the version probe as {@code major} and counts its starts. */
    private Path fakeJdk(String name, int major, boolean withJavac) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name).resolve("bin")).getParent();
        executable(home.resolve("bin/java"), "#!/bin/sh\necho started >> \"$(dirname \"$0\")/../starts\"\n"
                + "echo '    java.specification.version = " + major + "' >&2\n");
        if (withJavac) {
            executable(home.resolve("bin/javac"), "#!/bin/sh\n");
        }
        return home;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static long starts(Path jdk) throws IOException {
        Path starts = jdk.resolve("starts");
        return Files.exists(starts) ? Files.readAllLines(starts).size() : 0;
    }

    @Test
    void aJdkIsProbedOnceAndThenTakenFromTheCache() throws Exception {
        Path jdk = fakeJdk("no-release-file", 21, true);
        Found first = find(jdk, false);
        assertThat(first.exit()).as(first.stderr()).isZero();
        assertThat(first.javaHome()).isEqualTo(jdk.toString());
        assertThat(first.major()).isEqualTo("21");
        assertThat(starts(jdk)).isEqualTo(1);

        for (int call = 0; call < 3; call++) {
            assertThat(find(jdk, false)).isEqualTo(first);
        }
        assertThat(starts(jdk)).as("java started again for a cached answer").isEqualTo(1);
    }

    @Test
    void releaseFileAnswersWithoutStartingJava() throws Exception {
        Path jdk = fakeJdk("with-release-file", 99, true);
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"22.0.1\"\n");
        Found found = find(jdk, false);
        assertThat(found.javaHome()).isEqualTo(jdk.toString());
        assertThat(found.major()).isEqualTo("22");
        assertThat(starts(jdk)).isZero();
    }

    @Test
    void cachedJdkWhoseVersionChangedIsProbedAgain() throws Exception {
        Path jdk = fakeJdk("upgraded-in-place", 21, true);
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"21.0.4\"\n");
        assertThat(find(jdk, false).javaHome()).isEqualTo(jdk.toString());

        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.12\"\n"); // now too old
        Found again = find(jdk, false);
        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(again.javaHome()).isEqualTo(realJdk.toString());
    }

    @Test
    void cachedJdkThatWentAwayIsProbedAgain() throws Exception {
        Path jdk = fakeJdk("removed", 21, true);
        assertThat(find(jdk, false).javaHome()).isEqualTo(jdk.toString());

        Files.delete(jdk.resolve("bin/java"));
        assertThat(find(jdk, false).javaHome()).isEqualTo(realJdk.toString());
    }

    @Test
    void anotherJavaHomeIsAnotherQuestion() throws Exception {
        Path first = fakeJdk("first", 21, true);
        Path second = fakeJdk("second", 23, true);
        assertThat(find(first, false).javaHome()).isEqualTo(first.toString());
        Found found = find(second, false);
        assertThat(found.javaHome()).isEqualTo(second.toString());
        assertThat(found.major()).isEqualTo("23");
    }

    @Test
    void aJdkWithoutJavacIsCachedForRunningButRefusedForBuilding() throws Exception {
        Path runtime = fakeJdk("runtime-only", 21, false);
        assertThat(find(runtime, false).javaHome()).isEqualTo(runtime.toString());
        assertThat(find(runtime, true).javaHome()).isEqualTo(realJdk.toString());
        assertThat(find(runtime, false).javaHome()).isEqualTo(runtime.toString());
    }
}
