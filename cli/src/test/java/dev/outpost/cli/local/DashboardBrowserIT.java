package dev.outpost.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.LoopbackPorts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium driven through Debian's chromedriver against the CDN
 * {@code outpost local} runs (six edges in three regions, on free ports), as an operator uses it: a wrong token is
 * refused on the form; with the right one it sees every edge, issues a purge through the API and watches each edge's
 * acknowledgement appear, asks the route box where a client goes, reloads (still signed in, the token in the tab
 * only) and forgets the token. The browser's console must stay free of errors (a CSP violation is one) but for the
 * refused sign-in, and the run leaves a screenshot in {@code target/dashboard/dashboard.png}.
 *
 * <p>Without chromedriver on the PATH the test is skipped with a loud message, except under {@code .ci/run}, which
 * installs it and sets {@code OUTPOST_REQUIRE_BROWSER=1}: there a missing browser fails the build.
 */
class DashboardBrowserIT {
    /** Generous: conditions are waited for, never timed, and a loaded machine is slow to start six edges. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int EDGES = 6;

    @TempDir
    Path work;
    private LocalCdn cdn;
    private ChromeDriver browser;
    private int edgePort;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

    @BeforeEach
    void start() throws Exception {
        Path driver = required("chromedriver");
        Path chromium = required("chromium", "chromium-browser", "google-chrome");
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 5) {
            ports.add(LoopbackPorts.free());
        }
        List<Integer> port = List.copyOf(ports);
        edgePort = port.get(2);
        Topology topology = TestTopology.parse(TestTopology.onPorts(port.get(0), port.get(1), edgePort, port.get(3),
                port.get(4)));
        cdn = LocalCdn.start(topology, work, Optional.empty());
        cdn.awaitEdgesReady(PATIENCE);

        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1400,1000", "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cdn != null) {
            cdn.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Test
    void theDashboardShowsSixEdgesAPurgesAcknowledgementsAndARouteWithoutConsoleErrors() throws Exception {
        String banner = LocalBanner.render(cdn.topology(), cdn.nodes(), cdn.originInternalUri(), "work", "site");
        assertThat(banner).as("outpost local names the page").contains(cdn.apiUri() + "/dashboard\n");
        browser.get(cdn.apiUri() + "/dashboard");
        signIn("not-a-token-of-this-control-plane");
        awaitUntil("the API's refusal on the sign-in form", () -> texts("#sign-in-error").equals(
                List.of("unknown token")));
        assertThat(browser.findElement(By.id("board")).isDisplayed()).isFalse();
        assertThat(consoleErrors()).as("the refused call, and nothing else (reading the log empties it)")
                .isNotEmpty().allSatisfy(error -> assertThat(error).contains("401"));
        assertThat(browser.getCurrentUrl()).isEqualTo(cdn.apiUri() + "/dashboard");

        signIn(LocalCdn.OPS_TOKEN);

        awaitUntil("six healthy edges in the table and on the map", () -> {
            List<String> rows = texts("#edges tbody tr[data-edge] td.health");
            return rows.size() == EDGES && rows.stream().allMatch("healthy"::equals)
                    && texts("#map .region li[data-edge]").size() == EDGES;
        });
        assertThat(attributes("#map .region", "data-region")).containsExactly("ap", "eu", "us");
        assertThat(attributes("#edges tbody tr[data-edge] td.config", "data-config")).as("each edge's configuration "
                + "version (a number), or 'none' for an edge that runs its own file's services").hasSize(EDGES)
                .allSatisfy(version -> assertThat(version).matches("none|[0-9]+"));

        for (int i = 0; i < 20; i++) { // traffic, so the edges have requests/s and a hit ratio to show
            for (String edge : List.of("127.0.1.1", "127.0.2.1", "127.0.3.2")) {
                assertThat(get("http://" + edge + ":" + edgePort + "/index.html").status()).isEqualTo(200);
            }
        }
        awaitUntil("a requests/s figure from two heartbeats with traffic between them", () -> texts(
                "#edges tbody tr[data-edge] td.rps").stream()
                .anyMatch(rps -> rps.matches("[1-9][0-9.]*|0\\.[0-9]*[1-9][0-9]*")));

        String purge = post("/api/v1/purges", "{\"urls\":[\"http://127.0.2.1:" + edgePort + "/index.html\"]}");
        String entry = "article[data-entry='" + purge + "']";
        awaitUntil("purge " + purge + " complete, with one acknowledgement bar per edge, all applied", () -> {
            List<String> states = attributes(entry + " li[data-edge]", "data-state");
            return states.size() == EDGES && states.stream().allMatch("applied"::equals)
                    && attributes(entry, "data-status").equals(List.of("complete"));
        });
        assertThat(texts(entry + " li[data-edge] .time")).hasSize(EDGES)
                .allSatisfy(time -> assertThat(time).matches("\\d+ ms|\\d+\\.\\d\\d s"));

        browser.findElement(By.id("route-client")).sendKeys("127.0.2.50");
        browser.findElement(By.id("route-url")).sendKeys("http://cdn.outpost.test/index.html");
        browser.findElement(By.cssSelector("#route-form button[type=submit]")).click();
        awaitUntil("the route box's decision", () -> !texts("#route-result dl").isEmpty());
        assertThat(attributes("#route-result dl", "data-chosen")).singleElement().asString().startsWith("eu-");
        assertThat(texts("#route-result dl")).singleElement().asString()
                .contains("Client region", "eu (matched 127.0.2.0/24)", "Policy");

        Path screenshot = screenshot();
        assertThat(Files.size(screenshot)).isPositive();
        assertThat(consoleErrors()).as("errors in the browser console").isEmpty();

        browser.navigate().refresh();
        awaitUntil("the board again after a reload, without signing in again", () -> texts(
                "#edges tbody tr[data-edge]").size() == EDGES);
        assertThat(browser.executeScript("return [sessionStorage.length, localStorage.length, document.cookie];"))
                .as("the token is kept in the tab only: no local storage, no cookie")
                .isEqualTo(List.of(1L, 0L, ""));
        assertThat(consoleErrors()).as("errors in the browser console after the reload").isEmpty();

        browser.findElement(By.id("sign-out")).click();
        assertThat(browser.findElement(By.id("token")).isDisplayed()).isTrue();
        assertThat(browser.executeScript("return sessionStorage.length;")).as("forgotten").isEqualTo(0L);
    }

    /**
     * The rendered text of every element {@code css} selects, read in one script: the page redraws every two seconds,
     * so elements found in one call may be gone by the next.
     */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>) browser.executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());", css);
    }

    /** Attribute {@code name} of every element {@code css} selects, read in one script (see {@link #texts}). */
    @SuppressWarnings("unchecked")
    private List<String> attributes(String css, String name) {
        return (List<String>) browser.executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]));", css,
                name);
    }

    private void signIn(String token) {
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
    }

    /** The whole page as one image, the window grown to its height. */
    private Path screenshot() throws Exception {
        long height = (Long) ((JavascriptExecutor) browser)
                .executeScript("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1400, (int) Math.min(4000, height + 200)));
        ((JavascriptExecutor) browser).executeScript("document.activeElement.blur(); window.scrollTo(0, 0);");
        Path file = Path.of("target", "dashboard", "dashboard.png");
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        System.out.println("DashboardBrowserIT: screenshot in " + file.toAbsolutePath());
        return file;
    }

    private List<String> consoleErrors() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::toString).toList();
    }

    private void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        try {
            new WebDriverWait(browser, PATIENCE, Duration.ofMillis(200)).withMessage(() -> what + "; console: "
                    + consoleErrors() + "; page: " + texts("body"))
                    .until(b -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            Assertions.fail("not within " + PATIENCE.toSeconds() + " s: " + e.getMessage(), e);
        }
    }

    private HttpReply get(String url) {
        return HttpReply.call(http, new Request.Builder().url(url).build());
    }

    /** POSTs to the control plane's API with the local ops token; answers the accepted entry's id. */
    private String post(String path, String json) {
        HttpReply reply = HttpReply.call(http, new Request.Builder().url(cdn.apiUri() + path)
                .header("Authorization", "Bearer " + LocalCdn.OPS_TOKEN)
                .post(RequestBody.create(json, MediaType.get("application/json"))).build());
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        return reply.json().get("id").asString();
    }

    /**
     * The first of {@code names} on the PATH. Absent: fails under {@code OUTPOST_REQUIRE_BROWSER=1} (CI), else
     * skips the test with a message nobody can miss in the build log.
     */
    private static Path required(String... names) {
        Optional<Path> found = Stream.of(names).flatMap(name -> Stream.of(System.getenv()
                .getOrDefault("PATH", "").split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst();
        if (found.isPresent()) {
            return found.get();
        }
        String message = "DashboardBrowserIT needs " + String.join(" or ", names) + " on the PATH (Debian: apt-get "
                + "install chromium chromium-driver); .ci/run installs them";
        if ("1".equals(System.getenv("OUTPOST_REQUIRE_BROWSER"))) {
            Assertions.fail(message);
        }
        System.err.println("""

                ************************************************************************
                SKIPPED: %s
                ************************************************************************
                """.formatted(message));
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }
}
