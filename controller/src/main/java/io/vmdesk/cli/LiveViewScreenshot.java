package io.vmdesk.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Opens a live view in headless Chromium (Debian's, driven by its chromedriver) the way a user's browser would and
 * saves what it shows once noVNC is connected.
 */
public final class LiveViewScreenshot {
    private final String chromium;

    public LiveViewScreenshot(String chromium) {
        this.chromium = chromium;
    }

    public void capture(String url, Path output) throws IOException {
        Path profile = Files.createTempDirectory("vmdesk-viewer-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(resolve(chromium));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,860", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(resolve("chromedriver")).toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            driver.get(url);
            awaitConnected(driver);
            // the first framebuffer update follows the connection by a moment
            sleep(Duration.ofSeconds(2));
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            if (output.toAbsolutePath().getParent() != null) {
                Files.createDirectories(output.toAbsolutePath().getParent());
            }
            Files.write(output, png);
        } finally {
            driver.quit();
            deleteRecursively(profile);
        }
    }

    /** noVNC marks the document "noVNC_connected" once the RFB handshake is done. */
    public static void awaitConnected(ChromeDriver driver) {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "return document.documentElement.classList.contains('noVNC_connected')"));
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

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary browser profile; the OS cleans /tmp eventually
        }
    }
}
