package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's files as a browser gets them from the API listener: typed, under a strict Content-Security-Policy
 * that the page itself keeps (no inline script, style or handler, nothing from another origin), revalidated by
 * ETag, and holding no data: every number comes from the token-protected API (DashboardBrowserIT in cli drives the
 * page in a real browser).
 */
class DashboardIT {
    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void thePageIsHtmlUnderAStrictContentSecurityPolicyAndIsNotSteered() {
        HttpReply page = cp.get("/dashboard", null);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self'",
                "style-src 'self'", "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'")
                .doesNotContain("unsafe");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(page.body()).contains("<title>Outpost dashboard</title>");
    }

    @Test
    void thePageKeepsItsOwnPolicyNoInlineScriptStyleOrHandlerAndEveryFileItNamesIsServed() {
        String html = cp.get("/dashboard", null).body();

        assertThat(html).doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>")
                .doesNotContainPattern("\\sstyle=").doesNotContainPattern("\\son[a-z]+=")
                .doesNotContain("<style").doesNotContain("javascript:");
        List<String> referenced = new ArrayList<>();
        Matcher files = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
        while (files.find()) {
            referenced.add(files.group(1));
        }
        assertThat(referenced).containsExactlyInAnyOrder("/dashboard/icon.svg", "/dashboard/dashboard.css",
                "/dashboard/dashboard.js");
        assertThat(referenced).allSatisfy(path -> assertThat(cp.get(path, null).status()).as(path).isEqualTo(200));
    }

    @Test
    void eachFileHasItsTypeAndTheScriptReadsDataOnlyFromTheApiWithABearerHeader() {
        assertThat(cp.get("/dashboard/dashboard.css", null).header("Content-Type")).isEqualTo("text/css; charset=utf-8");
        assertThat(cp.get("/dashboard/icon.svg", null).header("Content-Type")).isEqualTo("image/svg+xml");
        HttpReply script = cp.get("/dashboard/dashboard.js", null);

        assertThat(script.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(script.body()).contains("Authorization: \"Bearer \"", "sessionStorage", "credentials: \"omit\"")
                .doesNotContain("innerHTML").doesNotContain("localStorage").doesNotContain("document.cookie");
    }

    @Test
    void aBrowserThatHoldsTheCurrentFileIsAnsweredNotModified() {
        HttpReply first = cp.get("/dashboard/dashboard.js", null);
        String etag = first.header("ETag");

        HttpReply again = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/dashboard/dashboard.js")
                .header("If-None-Match", etag), null, cp.http());
        HttpReply stale = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/dashboard/dashboard.js")
                .header("If-None-Match", "\"an-older-jar\""), null, cp.http());

        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(etag);
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(first.body());
    }

    @Test
    void headAnswersTheHeadersOfGetWithoutTheBody() {
        HttpReply get = cp.get("/dashboard", null);
        HttpReply head = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/dashboard").head(), null,
                cp.http());

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(get.body().getBytes(UTF_8).length));
        assertThat(head.header("ETag")).isEqualTo(get.header("ETag"));
        assertThat(head.header("Content-Security-Policy")).isEqualTo(get.header("Content-Security-Policy"));
    }

    @Test
    void theSignInFormPostedWithoutThePagesScriptIsRefusedAndNotSteered() {
        HttpReply posted = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/dashboard")
                .post(okhttp3.RequestBody.create("token=" + ControlPlaneFixture.READER,
                        okhttp3.MediaType.get("application/x-www-form-urlencoded"))), null, cp.http());

        assertThat(posted.status()).isEqualTo(405);
        assertThat(posted.header("Allow")).isEqualTo("GET, HEAD");
        assertThat(posted.body()).doesNotContain(ControlPlaneFixture.READER);
    }

    @Test
    void aFileTheDashboardDoesNotHaveIsA404NamingIt() {
        HttpReply missing = cp.get("/dashboard/config.yml", null);
        HttpReply pageByName = cp.get("/dashboard/index.html", null);

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).isEqualTo("not_found");
        assertThat(missing.message()).isEqualTo("no dashboard file 'config.yml'; the dashboard is at /dashboard");
        assertThat(pageByName.status()).as("one address for the page").isEqualTo(404);
    }

    @Test
    void whatThePageShowsNeedsATokenWithScopeRead() {
        assertThat(cp.get("/api/v1/nodes", null).status()).isEqualTo(401);
        assertThat(cp.get("/api/v1/purges", null).status()).isEqualTo(401);
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).status()).isEqualTo(200);
        assertThat(cp.get("/api/v1/purges", ControlPlaneFixture.READER).status()).isEqualTo(200);
        assertThat(cp.get("/api/v1/route?url=http://www.example.com/", ControlPlaneFixture.NODE).status())
                .as("a token without read").isEqualTo(403);
    }
}
