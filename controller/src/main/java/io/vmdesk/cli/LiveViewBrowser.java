package io.vmdesk.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A user's browser on a live view: headless Chromium (Debian's, driven by its chromedriver) showing noVNC. What it
 * types goes to the noVNC canvas, through the controller's WebSocket proxy, to the guest's VNC server.
 */
public final class LiveViewBrowser implements AutoCloseable {
    private final ChromeDriver driver;
    private final Path profile;

    private LiveViewBrowser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Opens the live-view URL and waits until noVNC is connected to the guest. */
    public static LiveViewBrowser open(String chromium, String url) throws IOException {
        Path profile = Files.createTempDirectory("vmdesk-viewer-");
        ChromeDriver driver = headless(chromium, profile);
        LiveViewBrowser browser = new LiveViewBrowser(driver, profile);
        try {
            driver.get(url);
            browser.awaitConnected();
        } catch (RuntimeException e) {
            browser.close();
            throw e;
        }
        return browser;
    }

    /**
     * Debian's Chromium, headless, driven by Debian's chromedriver, with a profile of its own in {@code profile}
     * (the caller deletes it). Also used by the dashboard's browser test.
     */
    public static ChromeDriver headless(String chromium, Path profile) {
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(resolve(chromium));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,860", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(resolve("chromedriver")).toFile()).build();
        return new ChromeDriver(service, options);
    }

    /** noVNC marks the document "noVNC_connected" once the RFB handshake is done. */
    private void awaitConnected() {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return document.documentElement.classList.contains('noVNC_connected')"));
    }

    /** Reloads the page, as a user would, and waits until noVNC is connected again. */
    public void reload() {
        driver.navigate().refresh();
        awaitConnected();
    }

    /** Whether noVNC still shows a connection. */
    public boolean connected() {
        return (Boolean) driver.executeScript("return document.documentElement.classList.contains('noVNC_connected')");
    }

    /** noVNC's status line (e.g. why it disconnected). */
    public String status() {
        return (String) driver.executeScript(
                "var s = document.getElementById('noVNC_status'); return s ? s.textContent : ''");
    }

    /** vmdesk's banner above noVNC (why the session ended, or that it is starting); empty when hidden. */
    public String banner() {
        return (String) driver.executeScript("var b = document.getElementById('vmdesk_status');"
                + " return b && b.style.display !== 'none' ? b.textContent : ''");
    }

    /** Types on the guest's keyboard: keys go to noVNC's canvas, without clicking into the guest's screen. */
    public void type(CharSequence... keys) {
        WebElement canvas = driver.findElement(By.cssSelector("#noVNC_container canvas"));
        driver.executeScript("arguments[0].focus()", canvas);
        new Actions(driver).sendKeys(keys).perform();
    }

    /** Saves what the user sees. */
    public void screenshot(Path output) throws IOException {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        if (output.toAbsolutePath().getParent() != null) {
            Files.createDirectories(output.toAbsolutePath().getParent());
        }
        Files.write(output, png);
    }

    /** Opens the URL, waits for the first framebuffer update to be drawn, saves the screen, closes. */
    public static void capture(String chromium, String url, Path output) throws IOException {
        try (LiveViewBrowser browser = open(chromium, url)) {
            // the first framebuffer update, and noVNC's control bar sliding away
            sleep(Duration.ofSeconds(3));
            browser.screenshot(output);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary browser profile; the OS cleans /tmp eventually
            }
        }
    }

    private static String resolve(String program) {
        if (program.contains("/")) {
            return program;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(program + " not found on PATH: apt-get install chromium chromium-driver");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
