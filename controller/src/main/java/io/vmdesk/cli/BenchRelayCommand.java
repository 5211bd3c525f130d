package io.vmdesk.cli;

import io.javalin.Javalin;
import io.vmdesk.api.ApiServer;
import io.vmdesk.proxy.FixedUpstreamRelay;
import io.vmdesk.proxy.RelayLimits;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk bench relay} (hidden; started by {@code bench proxy} as a process of its own, so its CPU and memory
 * can be measured apart from the client's): the live-view WebSocket endpoint with the controller's Jetty settings,
 * relaying to a fixed VNC server. {@code GET /heap} collects garbage and reports the heap in use.
 */
@Command(name = "relay", hidden = true, description = "Serve the live-view relay to a fixed VNC server (benchmark).")
final class BenchRelayCommand implements Callable<Integer> {
    @Option(names = "--port", required = true)
    int port;

    @Option(names = "--vnc-port", required = true)
    int vncPort;

    @Option(names = "--buffer", description = "LIVE_VIEW_BUFFER in bytes", defaultValue = "262144")
    int buffer;

    @Override
    public Integer call() throws Exception {
        FixedUpstreamRelay relay = new FixedUpstreamRelay("vnc", "127.0.0.1", vncPort, Duration.ofSeconds(15),
                new RelayLimits(buffer, Duration.ofSeconds(10)));
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true; // as the controller
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = port;
            ApiServer.webSockets(cfg, Duration.ofSeconds(15));
            io.vmdesk.proxy.LiveViewSocket.mount(cfg, "/websockify", relay);
            cfg.routes.get("/heap", ctx -> {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                Runtime rt = Runtime.getRuntime();
                ctx.json(Map.of("heapUsedBytes", rt.totalMemory() - rt.freeMemory()));
            });
        }).start();
        System.out.println("relay ready on " + app.port());
        new CountDownLatch(1).await();
        return 0;
    }
}
