package io.vmdesk.cli;

import io.vmdesk.app.Controller;
import io.vmdesk.config.Config;
import io.vmdesk.net.BridgeMismatchException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmdesk serve}: runs the controller in this network namespace until SIGTERM or Ctrl-C. */
@Command(name = "serve", description = "Run the controller (creates or adopts BRIDGE_DEVICE in this network namespace).")
final class ServeCommand implements Callable<Integer> {
    static final int EXIT_HOST = 3;

    @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
    Path envFile;

    @Option(names = "--fix-bridge", description = "replace the addresses of an existing BRIDGE_DEVICE that do not match "
            + "BRIDGE_IP/INTERNAL_NETWORK instead of refusing to start")
    boolean fixBridge;

    @Override
    public Integer call() throws InterruptedException {
        Config config;
        try {
            config = ConfigLoading.loadOrExplain(System.getenv(), envFile);
        } catch (ConfigLoading.ExitException e) {
            return e.status;
        }
        Controller controller = startOrExplain(config, fixBridge);
        if (controller == null) {
            return EXIT_HOST;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts the controller, or prints why the host cannot run it and returns null. */
    static Controller startOrExplain(Config config, boolean fixBridge) {
        try {
            return Controller.start(config, fixBridge);
        } catch (BridgeMismatchException e) {
            System.err.println("vmdesk: refusing to start: " + e.getMessage());
        } catch (RuntimeException e) {
            System.err.println("vmdesk: cannot start: " + e.getMessage());
        }
        return null;
    }
}
