package dev.outpost.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests (docs/store.md, "Tests"): Debian's {@code postgresql} binaries ({@code
 * /usr/lib/postgresql/<version>/bin}), a fresh {@code initdb} in a temp directory, {@code postgres} on a free
 * loopback port ({@link LoopbackPorts}), trust authentication for the role {@link #USER} on 127.0.0.1 only. As root
 * (initdb and postgres refuse to run as root) both run as the {@code postgres} user through {@code setpriv}, which
 * execs, so the process the JVM started is the postmaster and {@link #stop} signals exactly it by its PID.
 *
 * <p>{@link #shared} gives one server per test JVM (started by the first test that asks, stopped when the JVM
 * exits), each test takes its own database with {@link #createDatabase}; a test that stops the server
 * mid-test starts its own with {@link #start}. Without the binaries the test is skipped with a loud message, or
 * fails when {@code OUTPOST_REQUIRE_POSTGRES=1} (CI, which installs the package).
 */
public final class PostgresServer implements AutoCloseable {
    /** The role tests connect as (superuser of the test cluster, no password). */
    public static final String USER = "outpost";
    private static final Path VERSIONS = Path.of("/usr/lib/postgresql");
    private static final String OS_USER = "postgres";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;

    private final Path bin;
    private final Path dir;
    private final int port;
    private Optional<Process> postmaster = Optional.empty();

    private PostgresServer(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /**
     * The server of this test JVM, started on first use and stopped (by its PID) when the JVM exits; skips (or fails under
     * {@code OUTPOST_REQUIRE_POSTGRES=1}) when PostgreSQL is not installed.
     */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** A server of its own (for a test that stops and restarts it); the caller closes it. */
    public static PostgresServer start() {
        Path bin = binaries();
        try {
            Path dir = Files.createTempDirectory("outpost-postgres-");
            PostgresServer server = new PostgresServer(bin, dir, LoopbackPorts.free());
            // a JVM that ends without closing it (a killed test run) takes its postmaster along
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stop postgres " + server.port));
            server.initdb();
            server.startPostmaster();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a PostgreSQL directory: " + e.getMessage(), e);
        }
    }

    private static Path binaries() {
        Optional<Path> found;
        try (Stream<Path> versions = Files.exists(VERSIONS) ? Files.list(VERSIONS) : Stream.empty()) {
            found = versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
                            .replaceAll("\\D", "0"))));
        } catch (IOException e) {
            found = Optional.empty();
        }
        if (found.isPresent()) {
            return found.get();
        }
        String message = "PostgreSQL store tests need Debian's postgresql package (initdb and postgres under "
                + VERSIONS + "/<version>/bin; apt-get install postgresql); .ci/run installs it";
        if ("1".equals(System.getenv("OUTPOST_REQUIRE_POSTGRES"))) {
            Assertions.fail(message + " (OUTPOST_REQUIRE_POSTGRES=1: not skipped)");
        }
        System.err.println("""

                ************************************************************************
                SKIPPED: %s
                ************************************************************************
                """.formatted(message));
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    private void initdb() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        if (runningAsRoot()) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName(OS_USER));
            Files.setOwner(data, users.lookupPrincipalByName(OS_USER));
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync"), dir.resolve("initdb.log"), Duration.ofMinutes(2));
        // USER without a password, any other role (see createRole) only with its password, loopback only
        Files.writeString(data.resolve("pg_hba.conf"), """
                local all all trust
                host all %s 127.0.0.1/32 trust
                host all all 127.0.0.1/32 scram-sha-256
                """.formatted(USER));
    }

    /** Starts (again, after {@link #stop}) the postmaster on the same port and data; returns once it accepts. */
    public synchronized PostgresServer startPostmaster() {
        if (postmaster.isPresent() && postmaster.get().isAlive()) {
            return this;
        }
        List<String> command = asServerUser(List.of(bin.resolve("postgres").toString(), "-D",
                dir.resolve("data").toString(), "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + dir, "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200"));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile())).start();
            postmaster = Optional.of(process);
            awaitReady(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres: " + e.getMessage(), e);
        }
        return this;
    }

    private void awaitReady(Process process) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("postgres exited with " + process.exitValue() + ": " + log());
            }
            Process ready = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-q", "-h", "127.0.0.1", "-p",
                    Integer.toString(port), "-U", USER, "-d", "postgres").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (waitFor(ready, Duration.ofSeconds(10)) == 0) {
                return;
            }
            try {
                Thread.sleep(100); // polling a starting server: how long it takes is not asserted anywhere
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while postgres started", e);
            }
        }
        throw new IllegalStateException("postgres did not accept connections within a minute: " + log());
    }

    /** Creates a fresh database and returns its JDBC URL. */
    public String createDatabase(String prefix) {
        String name = prefix.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_") + "_"
                + DATABASES.incrementAndGet();
        psql("CREATE DATABASE " + name);
        return url(name);
    }

    /** Creates a role that logs in with {@code password} (as every role but {@link #USER} must) and owns nothing. */
    public void createRole(String role, String password) {
        psql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
    }

    /** Creates a fresh database owned by {@code role} and returns its JDBC URL. */
    public String createDatabase(String prefix, String role) {
        String url = createDatabase(prefix);
        psql("ALTER DATABASE " + url.substring(url.lastIndexOf('/') + 1) + " OWNER TO " + role);
        psql("GRANT ALL ON SCHEMA public TO " + role, url.substring(url.lastIndexOf('/') + 1));
        return url;
    }

    /** The first column of the first row of {@code sql} in the {@code postgres} database, as text. */
    public String value(String sql) {
        return psql(sql, "postgres").strip();
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    /** Runs SQL in the {@code postgres} database with {@code psql}, failing with its output if it fails. */
    public void psql(String sql) {
        psql(sql, "postgres");
    }

    /** Runs SQL in {@code database} with {@code psql}; returns what it printed (unaligned, tuples only). */
    public String psql(String sql, String database) {
        try {
            Path out = Files.createTempFile("outpost-psql-", ".txt");
            try {
                Process process = new ProcessBuilder(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p",
                        Integer.toString(port), "-U", USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-t", "-A",
                        "-c", sql).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                int exit = waitFor(process, Duration.ofMinutes(1));
                String printed = Files.readString(out, StandardCharsets.UTF_8);
                if (exit != 0) {
                    throw new IllegalStateException("psql exited with " + exit + " on " + sql + ": " + printed);
                }
                return printed;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run psql: " + e.getMessage(), e);
        }
    }

    /**
     * Stops the postmaster by its PID with SIGINT (PostgreSQL's fast shutdown: open connections are cut, which is
     * what a crashed or restarted database looks like to the clients) and waits for it to exit.
     */
    public synchronized void stop() {
        if (postmaster.isEmpty()) {
            return;
        }
        Process process = postmaster.get();
        postmaster = Optional.empty();
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            waitFor(kill, Duration.ofSeconds(10));
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    private void run(List<String> command, Path log, Duration timeout) {
        try {
            Process process = new ProcessBuilder(asServerUser(command)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            int exit = waitFor(process, timeout);
            if (exit != 0) {
                throw new IllegalStateException(command.get(0) + " exited with " + exit + ": "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static int waitFor(Process process, Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** initdb and postgres refuse root: as root they run as the postgres user, through an exec (same PID). */
    private static List<String> asServerUser(List<String> command) {
        if (!runningAsRoot()) {
            return command;
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER,
                "--init-groups", "--"));
        out.addAll(command);
        return out;
    }

    private static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
