package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
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
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium driven through Debian's chromedriver against the CDN
 * {@code outpost local} runs (six edges in three regions, on free ports), as an operator uses it: signs in with the
 * token, sees every edge, issues a purge through the API and watches each edge's acknowledgement appear, asks the
 * route box where a client goes. The browser's console must stay free of errors (a CSP violation is one), and the
 * run leaves a screenshot in {@code target/dashboard/dashboard.png}.
 *
 * <p>Without chromedriver on the PATH the test is skipped with a loud message, except under {@code .ci/run}, which
 * installs it and sets {@code OUTPOST_REQUIRE_BROWSER=1}: there a missing browser fails the build.
 */
class DashboardBrowserIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
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
        Topology topology = ConfigFiles.parse("dashboard-topology.yml", """
                controlPlane: 127.0.0.1:%d
                origin: {listen: 127.0.0.1:%d, region: us}
                edgePort: %d
                edgeAdminPort: %d
                regions:
                  - {name: us, clients: 127.0.1.0/24, edges: [127.0.1.1, 127.0.1.2]}
                  - {name: eu, clients: 127.0.2.0/24, edges: [127.0.2.1, 127.0.2.2]}
                  - {name: ap, clients: 127.0.3.0/24, edges: [127.0.3.1, 127.0.3.2]}
                delays: {us-eu: 40ms, us-ap: 90ms, eu-ap: 120ms}
                dns: {listen: 127.0.0.1:%d}
                """.formatted(port.get(0), port.get(1), edgePort, port.get(3), port.get(4)).getBytes(UTF_8),
                Topology.class);
        cdn = LocalCdn.start(topology, work, Optional.empty());
        cdn.awaitEdgesReady(Duration.ofSeconds(30));

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
        browser.get(cdn.apiUri() + "/dashboard");
        browser.findElement(By.id("token")).sendKeys(LocalCdn.OPS_TOKEN);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();

        awaitUntil("six healthy edges in the table and on the map", () -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#edges tbody tr[data-edge]"));
            return rows.size() == EDGES && rows.stream().allMatch(r -> r.getText().contains("healthy"))
                    && browser.findElements(By.cssSelector("#map .region li[data-edge]")).size() == EDGES;
        });
        assertThat(browser.findElements(By.cssSelector("#map .region")))
                .extracting(r -> r.getDomAttribute("data-region")).containsExactly("ap", "eu", "us");

        for (int i = 0; i < 20; i++) { // traffic, so the edges have requests/s and a hit ratio to show
            for (String edge : List.of("127.0.1.1", "127.0.2.1", "127.0.3.2")) {
                assertThat(get("http://" + edge + ":" + edgePort + "/index.html").status()).isEqualTo(200);
            }
        }
        awaitUntil("a requests/s figure from two heartbeats with traffic between them", () -> browser
                .findElements(By.cssSelector("#edges tbody tr[data-edge] td.rps")).stream()
                .anyMatch(cell -> cell.getText().matches("[1-9][0-9.]*|0\\.[0-9]*[1-9][0-9]*")));

        String purge = post("/api/v1/purges", "{\"urls\":[\"http://127.0.2.1:" + edgePort + "/index.html\"]}");
        String bars = "article[data-entry='" + purge + "'] li[data-edge]";
        awaitUntil("purge " + purge + " with one acknowledgement bar per edge, all applied", () -> {
            List<WebElement> applied = browser.findElements(By.cssSelector(bars));
            return applied.size() == EDGES && applied.stream()
                    .allMatch(li -> "applied".equals(li.getDomAttribute("data-state")));
        });
        assertThat(browser.findElements(By.cssSelector(bars + " .time")))
                .allSatisfy(time -> assertThat(time.getText()).matches("\\d+ ms|\\d+\\.\\d\\d s"));
        assertThat(browser.findElement(By.cssSelector("article[data-entry='" + purge + "']"))
                .getDomAttribute("data-status")).isEqualTo("complete");

        browser.findElement(By.id("route-client")).sendKeys("127.0.2.50");
        browser.findElement(By.id("route-url")).sendKeys("http://cdn.outpost.test/index.html");
        browser.findElement(By.cssSelector("#route-form button[type=submit]")).click();
        awaitUntil("the route box's decision", () -> !browser.findElements(By.cssSelector("#route-result dl"))
                .isEmpty());
        WebElement decision = browser.findElement(By.cssSelector("#route-result dl"));
        assertThat(decision.getDomAttribute("data-chosen")).startsWith("eu-");
        assertThat(decision.getText()).contains("Client region", "eu (matched 127.0.2.0/24)", "Policy");

        Path screenshot = screenshot();
        assertThat(Files.size(screenshot)).isPositive();
        assertThat(consoleErrors()).as("errors in the browser console").isEmpty();
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
                    + consoleErrors() + "; page: " + browser.findElement(By.tagName("body")).getText())
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
