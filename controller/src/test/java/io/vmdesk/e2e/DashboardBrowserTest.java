package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.cli.LiveViewBrowser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operators' dashboard in a real browser (Debian's Chromium): log in with an admin key, watch a session appear
 * and become READY in the table without reloading, open its page with the step timeline and the embedded desktop,
 * end it, log out. Also Swagger UI on the API description. Saves a screenshot to target/dashboard-session.png.
 */
@Timeout(240)
class DashboardBrowserTest {
    static ControllerProcess controller;
    static ChromeDriver browser;
    static Path profile;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of());
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        profile = Files.createTempDirectory("vmdesk-dashboard-browser-");
        browser = LiveViewBrowser.headless("chromium", profile);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (Stream<Path> walk = Files.walk(profile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (controller != null) {
            controller.close();
        }
    }

    private static WebDriverWait waiting(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    @Test
    void anOperatorLogsInWatchesASessionGoLiveOpensItAndEndsIt() throws Exception {
        // without a login, the dashboard sends the browser to its login page; a wrong key is refused with a message
        browser.get(controller.baseUrl() + "/dashboard");
        assertThat(browser.getCurrentUrl()).endsWith("/dashboard/login");
        browser.findElement(By.id("key")).sendKeys("vmd_00000000_" + "x".repeat(43));
        browser.findElement(By.id("login")).click();
        waiting(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"),
                "not a live API key"));
        browser.findElement(By.id("key")).sendKeys(controller.controller.apiKey());
        browser.findElement(By.id("login")).click();
        waiting(10).until(ExpectedConditions.presenceOfElementLocated(By.id("sessions")));
        assertThat(browser.getCurrentUrl()).endsWith("/dashboard");
        assertThat((String) browser.executeScript("return document.cookie")).as("HttpOnly").doesNotContain("vmdesk");
        waiting(10).until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-live")));
        assertThat(browser.findElement(By.cssSelector("[data-host=maxSessions]")).getText()).isEqualTo("10");

        // a session created through the API appears in the table and turns READY: no reload, so the marker stays
        browser.executeScript("window.vmdeskNotReloaded = true");
        JsonNode created = controller.createSession("codex", "dashboard-user");
        String id = created.get("sessionId").asText();
        By status = By.cssSelector("#s-" + id + " [data-field=status]");
        waiting(10).until(ExpectedConditions.presenceOfElementLocated(status));
        waiting(120).until(ExpectedConditions.textToBe(status, "READY"));
        assertThat((Boolean) browser.executeScript("return window.vmdeskNotReloaded === true")).isTrue();
        assertThat(browser.findElement(By.cssSelector("#s-" + id + " [data-field=userId]")).getText())
                .isEqualTo("dashboard-user");
        assertThat(browser.findElement(By.cssSelector("[data-host=liveSessions]")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.cssSelector("[data-host=poolLeased]")).getText()).isEqualTo("1");
        // the doctor's summary: runs in the background on the first view, shown from the next host update on
        browser.navigate().refresh();
        waiting(60).until(d -> d.findElement(By.cssSelector("[data-host=doctor]")).getText().matches("\\d+ fail.*ok, .*"));
        // the API's view of the same session's logs, held against the description like every response here
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id + "/logs?lines=5")).get("log")
                .asText()).contains(".log");
        assertThat(controller.get("/api/auth/session/" + id + "/logs?lines=0").statusCode()).isEqualTo(400);

        // its page: the step timeline and the desktop, embedded and connected
        browser.findElement(By.cssSelector("#s-" + id + " a")).click();
        waiting(10).until(ExpectedConditions.presenceOfElementLocated(By.id("steps")));
        List<String> steps = browser.findElements(By.cssSelector("#steps tbody tr td:first-child")).stream()
                .map(WebElement::getText).toList();
        assertThat(steps).contains("net.lease", "guest.start");
        // steps that arrive later are appended from the feed, each with its bar (counted at one instant)
        assertThat((String) browser.executeScript("return document.querySelectorAll('#steps tbody tr').length + ' '"
                + " + document.querySelectorAll('#steps td.bar span').length")).matches("(\\d+) \\1");
        assertThat(browser.findElement(By.cssSelector("#summary [data-field=status]")).getText()).isEqualTo("READY");
        assertThat(browser.findElement(By.id("logs")).getText()).contains(".log");
        browser.switchTo().frame(browser.findElement(By.id("liveview")));
        waiting(30).until(d -> (Boolean) browser.executeScript(
                "return document.documentElement.classList.contains('noVNC_connected')"));
        browser.switchTo().defaultContent();
        Thread.sleep(2000); // the first framebuffer update, and noVNC's control bar sliding away
        // the whole page in one picture: summary, timeline, desktop, logs
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 2400));
        browser.executeScript("window.scrollTo(0, 0)");
        Path shot = Path.of("target", "dashboard-session.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(10_000);

        // keeping it alive from the page restarts its idle clock
        String idleBefore = browser.findElement(By.cssSelector("#summary [data-field=idleDeadline]")).getText();
        Thread.sleep(1100);
        browser.findElement(By.id("extend")).click();
        waiting(10).until(d -> !d.findElement(By.cssSelector("#summary [data-field=idleDeadline]")).getText()
                .equals(idleBefore));
        assertThat(controller.post("/dashboard/session/" + id + "/extend", "").statusCode()).as("no cookie")
                .isEqualTo(401);

        // ending it from the page ends it, and the page says so
        browser.findElement(By.id("end")).click();
        waiting(60).until(ExpectedConditions.textToBe(By.cssSelector("#summary [data-field=status]"), "ENDED"));
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("status").asText())
                .isEqualTo("ENDED");
        assertThat(browser.findElements(By.id("liveview"))).isEmpty();

        // a session ended elsewhere (the API) while its page is open: the page turns into the ended session's page
        String other = controller.createSession("codex", "dashboard-other").get("sessionId").asText();
        assertThat(controller.awaitSettled(other, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        browser.get(controller.baseUrl() + "/dashboard/session/" + other);
        assertThat(browser.findElements(By.id("liveview"))).isNotEmpty();
        controller.delete("/api/auth/session/" + other);
        waiting(30).until(d -> d.findElements(By.id("liveview")).isEmpty()
                && d.findElement(By.cssSelector("#summary [data-field=endedReason]")).getText().startsWith("deleted"));
        assertThat(browser.findElements(By.id("extend"))).isEmpty();

        // logging out ends the cookie's use
        browser.findElement(By.id("logout")).click();
        waiting(10).until(ExpectedConditions.urlMatches(".*/dashboard/login$"));
        browser.get(controller.baseUrl() + "/dashboard/session/" + id);
        assertThat(browser.getCurrentUrl()).endsWith("/dashboard/login");
        // and the feed refuses a request without the cookie (an API key is not a dashboard login)
        assertThat(controller.get("/dashboard/events").statusCode()).isEqualTo(401);
    }

    @Test
    void theDashboardAndDocsAnswerAsDescribedWithoutALogin() throws Exception {
        // each response is held against /api/openapi.json by ControllerProcess
        assertThat(controller.get("/dashboard").statusCode()).isEqualTo(302);
        assertThat(controller.get("/dashboard/session/" + java.util.UUID.randomUUID()).statusCode()).isEqualTo(302);
        assertThat(controller.get("/dashboard/login").body()).contains("Admin API key");
        java.net.http.HttpResponse<String> refused = controller.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(controller.baseUrl() + "/dashboard/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("key=" + controller.controller.apiKey() + "x"))
                .build());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(controller.post("/dashboard/session/" + java.util.UUID.randomUUID() + "/end", "").statusCode())
                .isEqualTo(401);
        assertThat(controller.get("/dashboard/assets/dashboard.js").body()).contains("EventSource");
        assertThat(controller.get("/dashboard/assets/nothing.js").statusCode()).isEqualTo(404);
        assertThat(ControllerProcess.json(controller.get("/api/openapi.json")).get("openapi").asText())
                .isEqualTo("3.1.0");
        assertThat(controller.get("/api/docs/swagger-ui-bundle.js").statusCode()).isEqualTo(200);
    }

    @Test
    void swaggerUiShowsTheApiDescription() {
        browser.get(controller.baseUrl() + "/api/docs");
        waiting(30).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".opblock")));
        assertThat(browser.findElement(By.cssSelector(".swagger-ui")).getText()).contains("vmdesk controller")
                .contains("/api/auth/session");
    }
}
