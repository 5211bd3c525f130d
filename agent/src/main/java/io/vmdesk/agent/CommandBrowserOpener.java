package io.vmdesk.agent;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the program named by {@code BROWSER} with the URL as its only argument, in the child environment (no agent
 * token). The guest image points BROWSER at a wrapper that opens a tab in the running Chromium and returns; a
 * wrapper that fails at once is reported, one that keeps running is left alone.
 */
public final class CommandBrowserOpener implements BrowserOpener {
    private static final long SETTLE_MILLIS = 3_000;

    private final String browser;
    private final Map<String, String> environment;

    public CommandBrowserOpener(String browser, Map<String, String> environment) {
        this.browser = browser;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void open(URI url) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of(browser, url.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process p = pb.start();
        try {
            if (p.waitFor(SETTLE_MILLIS, TimeUnit.MILLISECONDS) && p.exitValue() != 0) {
                throw new IOException("the BROWSER program exited with code " + p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the browser");
        }
    }
}
