package io.vmdesk.guest;

import io.vmdesk.host.HostCommandException;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.SlotNetwork;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "netns sandbox" driver: each guest is a Linux network namespace wired to the host bridge by a veth pair,
 * running Xvfb, openbox, x11vnc (TCP 5900) and Chromium on a local start page.
 *
 * <p>Every host resource is recorded in the ledger before it is created, and {@link #remove} can take each one down
 * from its ledger row alone. If the controller dies between creating a process and recording its pid, the process
 * still lives inside the guest's namespace, and removing the namespace kills it. When a step throws
 * {@link GuestException}, whatever it had created is already in the ledger: the caller tears the guest down from
 * there, as after any other end.
 */
public final class NetnsGuestDriver implements GuestDriver {
    private static final Logger log = LoggerFactory.getLogger(NetnsGuestDriver.class);
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(10);
    /** Chromium has no cheap readiness signal; this long it must stay alive for start() to succeed. */
    private static final Duration CHROMIUM_SETTLE = Duration.ofMillis(750);
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final int LOG_TAIL_LINES = 25;
    private static final int VNC_PORT = 5900;
    private static final String SCREEN = "1280x800x24";
    static final String AGENT = "agent";
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    private final HostCommands cmd;
    private final Namespaces namespaces;
    /** NETWORK_TOPOLOGY=slot: the guest's namespace hangs off a slot namespace instead of the bridge. */
    private final boolean slot;

    public NetnsGuestDriver(HostCommands cmd) {
        this(cmd, false);
    }

    public NetnsGuestDriver(HostCommands cmd, boolean slot) {
        this.cmd = Objects.requireNonNull(cmd, "cmd");
        this.namespaces = new Namespaces(cmd);
        this.slot = slot;
    }

    @Override
    public String name() {
        return "netns";
    }

    // ---------------------------------------------------------------------------------------------- network

    @Override
    public void wireNetwork(GuestSpec spec, Ledger ledger) throws GuestException {
        validate(spec);
        String ns = spec.namespace();
        String host = spec.hostInterface();
        String slotNs = SlotNetwork.slotNamespace(ns);
        if (slot) {
            step("slot", () -> new SlotNetwork(cmd).create(spec, slotNs, ledger));
        }
        step("netns", () -> {
            if (namespaces.list("").contains(ns)) {
                log.warn("session={} namespace {} exists already (left over from a crash?): deleting it first",
                        spec.sessionId(), ns);
                namespaces.delete(ns);
            }
            ledger.record("netns", ns, "network namespace of session " + spec.sessionId());
            cmd.runChecked(CMD_TIMEOUT, "ip", "netns", "add", ns);
        });
        step("netns loopback", () -> {
            HostCommands.Result r = cmd.run(CMD_TIMEOUT, "ip", "netns", "exec", ns, "ip", "link", "set", "dev", "lo", "up");
            if (!r.ok()) {
                String hint = r.stderr().contains("Invalid argument")
                        ? " — the namespace vanished right after `ip netns add`. This happens when the controller runs"
                        + " under `ip netns exec` (a private mount namespace from which netns mounts do not propagate);"
                        + " start it with `nsenter --net=/run/netns/NAME` instead"
                        : "";
                throw new IllegalStateException(new HostCommandException(
                        cmd.wrap(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "dev", "lo", "up")),
                        r.exitCode(), r.stderr()).getMessage() + hint);
            }
        });
        if (slot) {
            step("slot veth", () -> new SlotNetwork(cmd).createVethTo(slotNs, ns));
            log.info("session={} wired: {} in slot {} (guest {} in {}) via {}", spec.sessionId(), spec.address(),
                    slotNs, SlotNetwork.GUEST, ns, host);
            return;
        }
        step("veth", () -> {
            // A leftover of the same name (crash between create and release) would make `ip link add` fail.
            HostNetwork.deleteLink(cmd, host);
            ledger.record("interface", host, "veth to eth0 in " + ns + " on bridge " + spec.bridgeDevice());
            cmd.runChecked(CMD_TIMEOUT, "ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
        });
        io.vmdesk.host.TestHook.pauseAt("net.wire", spec.sessionId());
        step("bridge port", () -> {
            HostCommands.Result r = cmd.run(CMD_TIMEOUT, "ip", "link", "set", "dev", host, "master", spec.bridgeDevice());
            if (!r.ok()) {
                String why = r.stderr().contains("Cannot find device") || r.stderr().contains("does not exist")
                        ? " — the bridge " + spec.bridgeDevice() + " does not exist on the host side (ensureBridge must"
                        + " run first)"
                        : "";
                throw new IllegalStateException(new HostCommandException(
                        cmd.wrap(List.of("ip", "link", "set", "dev", host, "master", spec.bridgeDevice())),
                        r.exitCode(), r.stderr()).getMessage() + why);
            }
            // An isolated bridge port forwards only to non-isolated ports (the bridge itself, the host side): guests
            // on the same bridge cannot reach each other.
            cmd.runChecked(CMD_TIMEOUT, "ip", "link", "set", "dev", host, "type", "bridge_slave", "isolated", "on");
            cmd.runChecked(CMD_TIMEOUT, "ip", "link", "set", "dev", host, "up");
        });
        step("guest addressing", () -> {
            inGuest(ns, "ip", "link", "set", "dev", "eth0", "address", spec.mac());
            inGuest(ns, "ip", "addr", "add", spec.address() + "/" + spec.network().prefix(), "dev", "eth0");
            inGuest(ns, "ip", "link", "set", "dev", "eth0", "up");
            inGuest(ns, "ip", "route", "add", "default", "via", spec.gateway().toString(), "dev", "eth0");
        });
        log.info("session={} wired: {} {} in {} via {} on {}", spec.sessionId(), spec.address(), spec.mac(), ns, host,
                spec.bridgeDevice());
    }

    private void inGuest(String ns, String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        cmd.runChecked(CMD_TIMEOUT, full.toArray(String[]::new));
    }

    private static void validate(GuestSpec spec) throws GuestException {
        List<String> problems = new ArrayList<>();
        if (spec.address() == null || spec.network() == null || spec.gateway() == null) {
            throw new GuestException("validate", "address, network and gateway are required: " + spec, null);
        }
        if (!spec.network().contains(spec.address())) {
            problems.add("guest address " + spec.address() + " is outside the network " + spec.network());
        }
        if (!spec.network().contains(spec.gateway())) {
            problems.add("gateway " + spec.gateway() + " is outside the network " + spec.network());
        }
        if (spec.address().equals(spec.gateway())) {
            problems.add("guest address and gateway are both " + spec.address());
        }
        if (spec.network().prefix() < 31
                && (spec.address().equals(spec.network().network()) || spec.address().equals(spec.network().broadcast()))) {
            problems.add("guest address " + spec.address() + " is the network or broadcast address of " + spec.network());
        }
        if (spec.mac() == null || !MAC.matcher(spec.mac()).matches()) {
            problems.add("MAC '" + spec.mac() + "' is not of the form 02:fc:c0:a8:64:02");
        }
        if (spec.hostInterface() == null || spec.hostInterface().isEmpty()
                || spec.hostInterface().getBytes(StandardCharsets.UTF_8).length > 15) {
            problems.add("host interface name '" + spec.hostInterface() + "' must be 1-15 bytes");
        }
        if (spec.namespace() == null || !spec.namespace().matches("[A-Za-z0-9_.-]{1,200}")) {
            problems.add("namespace name '" + spec.namespace() + "' is not valid");
        }
        if (spec.bridgeDevice() == null || spec.bridgeDevice().isEmpty()) {
            problems.add("bridge device missing");
        }
        if (!problems.isEmpty()) {
            throw new GuestException("validate", String.join("; ", problems), null);
        }
    }

    // ---------------------------------------------------------------------------------------------- directory

    @Override
    public void prepare(GuestSpec spec, Ledger ledger) throws GuestException {
        Path dir = spec.guestDir().toAbsolutePath().normalize();
        Optional<String> refusal = refuseDirectory(dir);
        if (refusal.isPresent()) {
            throw new GuestException("prepare", refusal.get(), null);
        }
        try {
            if (Files.exists(dir)) {
                log.warn("session={} guest directory {} exists already (left over?): deleting it first",
                        spec.sessionId(), dir);
                deleteTree(dir);
            }
            requireTraversable(dir.getParent());
            ledger.record("directory", dir.toString(), "guest directory of session " + spec.sessionId());
            Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(dir.resolve("chromium"));
            Files.createDirectories(dir.resolve("home"));
            io.vmdesk.host.TestHook.pauseAt("guest.prepare", spec.sessionId());
            Files.writeString(dir.resolve("start.html"), startPage(spec.sessionId()), StandardCharsets.UTF_8);
            writeBrowserWrapper(dir, spec.chromiumBin());
            giveToGuest(dir, guestUid(spec));
        } catch (IOException | RuntimeException e) {
            throw new GuestException("prepare", "could not create the guest directory " + dir + ": " + e, e);
        }
    }

    /**
     * The unprivileged user id a guest's processes run as: one per live session of this controller (from its address,
     * unique in the pool) and apart from other controllers' (from the namespace prefix, which carries the instance
     * tag). No account is needed: the processes get HOME and everything else from their environment.
     */
    static int guestUid(GuestSpec spec) {
        String prefix = spec.namespace().substring(0, Math.max(0, spec.namespace().lastIndexOf('-')));
        return 1_000_000 + Math.floorMod(prefix.hashCode(), 1000) * 65_536 + (spec.address().bits() & 0xffff);
    }

    /**
     * The X display number of a session's Xvfb: unique among live sessions on the host, as the guest's uid is (the
     * number only names files in the shared /tmp; the display itself is private to the namespace).
     */
    static int displayNumber(GuestSpec spec) {
        return guestUid(spec) - 1_000_000;
    }

    /** The guest's user must be able to walk down to its directory; say which directory stops it, and the fix. */
    private static void requireTraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException(p + " is not searchable by the guests' unprivileged users (mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p))
                        + "); fix: chmod o+x " + p + " (or put DATA_DIR elsewhere)");
            }
        }
    }

    /**
     * The guest's directory belongs to its user, and to nobody else (0700): sessions cannot read each other. Its
     * logs/ stay root's: the controller reads them, and a guest must not swap them for links to files of the host.
     */
    private static void giveToGuest(Path dir, int uid) throws IOException {
        Path logs = dir.resolve("logs");
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(p -> !p.startsWith(logs)).toList()) {
                Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    /** {@code bin/open-browser URL}: what the agent and provider CLIs run (as $BROWSER) to open a page. */
    private static void writeBrowserWrapper(Path dir, String chromiumBin) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        StringBuilder script = new StringBuilder("#!/bin/sh\n# opens a URL in this guest's running Chromium\nexec");
        for (String arg : chromiumCommand(chromiumBin, dir)) {
            script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        script.append(" \"$@\"\n");
        Path wrapper = bin.resolve("open-browser");
        Files.writeString(wrapper, script.toString(), StandardCharsets.UTF_8);
        wrapper.toFile().setExecutable(true, false);
    }

    /** The start page: a full-window teal (#0a7e8c) page that names the session, recognisable in a screenshot. */
    static String startPage(String sessionId) {
        String id = html(sessionId);
        String shortId = html(sessionId.length() > 8 ? sessionId.substring(0, 8) : sessionId);
        return """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>vmdesk session %s</title>
                <style>
                  html, body { margin: 0; width: 100%%; height: 100%%; background: #0a7e8c; color: #ffffff; }
                  body { display: flex; flex-direction: column; align-items: center; justify-content: center;
                         font-family: sans-serif; overflow: hidden; }
                  h1 { font-size: 160px; margin: 0; letter-spacing: 6px; }
                  p { font-size: 32px; font-family: monospace; margin: 24px 0 0 0; }
                </style>
                </head>
                <body>
                <h1>vmdesk</h1>
                <p id="session">%s</p>
                </body>
                </html>
                """.formatted(shortId, id);
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // ---------------------------------------------------------------------------------------------- processes

    @Override
    public GuestHandle start(GuestSpec spec, Ledger ledger, Duration within) throws GuestException {
        long deadline = System.nanoTime() + within.toNanos();
        Path dir = spec.guestDir().toAbsolutePath().normalize();
        Path logs = dir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            throw new GuestException("start", "the guest directory " + dir + " is not prepared (no logs/): call prepare"
                    + " first", null);
        }
        String xvfbBin = executable("start xvfb", "Xvfb", "xvfb");
        String openboxBin = executable("start openbox", "openbox", "openbox");
        String x11vncBin = executable("start x11vnc", "x11vnc", "x11vnc");
        String chromiumBin = executable("start chromium", spec.chromiumBin(), "chromium");
        NetnsGuest guest = new NetnsGuest(spec.sessionId(), logs);
        long t0 = System.nanoTime();

        // X displays must not collide between parallel sessions, yet /tmp/.X11-unix (and the lock files) are shared
        // by all namespaces: with two Xvfb on ":0" the second replaces the first one's socket file, and clients of
        // one session could end up on another session's screen. So Xvfb listens only on its abstract unix socket
        // (-nolisten unix -nolisten tcp), which Linux scopes to the network namespace: every guest has a private
        // display and nothing outside the namespace can connect to it. The number is still the session's own
        // (displayNumber): Xvfb compiles its keymap to /tmp/server-NUMBER.xkm in the shared /tmp, and two guests on
        // :0 starting at once collide there (the second, another uid, cannot write the first one's file and dies).
        // -displayfd makes Xvfb print the number once it accepts connections (our readiness signal).
        Launched xvfb = launch(spec, ledger, guest, "xvfb", List.of(xvfbBin, ":" + displayNumber(spec), "-displayfd", "1",
                "-screen", "0", SCREEN, "-nolisten", "tcp", "-nolisten", "unix"), null, true);
        int display = awaitDisplay(guest, xvfb, deadline, within);
        ledger.updateDetail(xvfb.entryId, Processes.identity(xvfb.process.toHandle()) + " display=" + display);
        String displayName = ":" + display;

        launch(spec, ledger, guest, "openbox", List.of(openboxBin), displayName, false);
        io.vmdesk.host.TestHook.pauseAt("guest.start", spec.sessionId());

        // -nolookup: x11vnc resolves each client's address, and a guest has no working DNS: the first viewer waited
        // the resolver's 10 s timeout ("client_set_net: 192.168.100.1 10.0096") before its first screen.
        Launched vnc = launch(spec, ledger, guest, "x11vnc", List.of(x11vncBin, "-display", displayName,
                "-rfbport", String.valueOf(VNC_PORT), "-forever", "-shared", "-nopw", "-noxdamage", "-nolookup"),
                displayName, false);
        awaitVncPort(guest, vnc, deadline, within);

        String url = dir.resolve("start.html").toUri().toString();
        List<String> chromiumArgv = new ArrayList<>(chromiumCommand(chromiumBin, dir));
        chromiumArgv.add(url);
        Launched chromium = launch(spec, ledger, guest, "chromium", chromiumArgv, displayName, false);
        settle(guest, chromium, CHROMIUM_SETTLE);
        if (spec.agent() != null) {
            // The sandbox hands the agent its session, endpoint and one-time token through its environment.
            Map<String, String> agentEnv = Map.of(
                    "VMDESK_SESSION_ID", spec.agent().sessionId(),
                    "VMDESK_AGENT_URL", spec.agent().controllerUrl(),
                    "VMDESK_AGENT_TOKEN", spec.agent().token(),
                    "BROWSER", dir.resolve("bin").resolve("open-browser").toString());
            launch(spec, ledger, guest, AGENT, spec.agent().command(), displayName, false, agentEnv);
        }
        Optional<String> dead = guest.failure();
        if (dead.isPresent()) {
            throw new GuestException("start", dead.get() + " while the guest was starting\n" + guest.logTail(LOG_TAIL_LINES),
                    null);
        }
        log.info("session={} guest processes up in {} ms on display {} (x11vnc on {}:{})", spec.sessionId(),
                (System.nanoTime() - t0) / 1_000_000, displayName, spec.address(), VNC_PORT);
        return guest;
    }

    private record Launched(String name, Process process, long entryId, Path log, CompletableFuture<String> firstLine) {
    }

    /**
     * Starts one guest process inside the namespace; records it first, then its pid and start time. With
     * {@code captureFirstLine} stdout is read by us (its first line is returned) and then copied to the log.
     */
    private Launched launch(GuestSpec spec, Ledger ledger, NetnsGuest guest, String name, List<String> argv,
            String display, boolean captureFirstLine) throws GuestException {
        return launch(spec, ledger, guest, name, argv, display, captureFirstLine, Map.of());
    }

    /** Chromium as the guest runs it; run again with a URL, it opens a tab in the running browser. */
    private static List<String> chromiumCommand(String chromiumBin, Path dir) {
        return List.of(chromiumBin, "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--test-type",
                "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("chromium"), "--window-position=0,0",
                "--window-size=1280,800", "--start-maximized");
    }

    private Launched launch(GuestSpec spec, Ledger ledger, NetnsGuest guest, String name, List<String> argv,
            String display, boolean captureFirstLine, Map<String, String> extraEnv) throws GuestException {
        Path dir = spec.guestDir().toAbsolutePath().normalize();
        Path logFile = guest.logs.resolve(name + ".log");
        long entryId = ledger.record("process", name, "not started yet (namespace " + spec.namespace() + ")");
        // setsid: a guest process leads its own session, so a terminal's Ctrl-C reaches only the controller, which
        // then stops the guest in order (instead of every guest process dying at once and being misreported).
        // setpriv: it runs as the session's own unprivileged user, without capabilities, unable to gain any.
        String uid = String.valueOf(guestUid(spec));
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", spec.namespace(), "setsid", "setpriv",
                "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                "--no-new-privs"));
        full.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(cmd.wrap(full))
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // What guest processes write goes below guestDir, so deleting that directory leaves nothing behind (Chromium,
        // for one, otherwise fills ~/.config and ~/.cache). TMPDIR stays: Chromium's singleton socket lives in
        // $TMPDIR/org.chromium.Chromium.XXXXXX/, and a path below guestDir would exceed the 108-byte limit of unix
        // socket paths; removeDirectory() deletes that one via the profile's SingletonSocket link.
        Map<String, String> env = builder.environment();
        Path home = dir.resolve("home");
        env.put("HOME", home.toString());
        // the guest's own search path: the controller's (root's) may name directories the guest user cannot enter
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        env.put("XDG_DATA_HOME", home.resolve(".local/share").toString());
        env.put("XDG_STATE_HOME", home.resolve(".local/state").toString());
        env.remove("XDG_RUNTIME_DIR");
        env.remove("XAUTHORITY");
        env.remove("DBUS_SESSION_BUS_ADDRESS");
        env.remove("WAYLAND_DISPLAY");
        if (display != null) {
            env.put("DISPLAY", display);
        } else {
            env.remove("DISPLAY");
        }
        env.putAll(extraEnv);
        if (captureFirstLine) {
            builder.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        } else {
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new GuestException("start " + name, "could not run " + String.join(" ", full) + ": " + e.getMessage(), e);
        }
        ledger.updateDetail(entryId, Processes.identity(process.toHandle()));
        CompletableFuture<String> firstLine = captureFirstLine ? firstLineThenCopy(process.getInputStream(), logFile) : null;
        Launched launched = new Launched(name, process, entryId, logFile, firstLine);
        guest.add(launched);
        log.debug("session={} started {} pid={}", spec.sessionId(), name, process.pid());
        return launched;
    }

    private static CompletableFuture<String> firstLineThenCopy(InputStream in, Path log) {
        CompletableFuture<String> first = new CompletableFuture<>();
        Thread.ofVirtual().name("guest-stdout").start(() -> {
            StringBuilder line = new StringBuilder();
            try (in; OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                int c;
                while (!first.isDone() && (c = in.read()) >= 0) {
                    if (c == '\n') {
                        first.complete(line.toString().strip());
                    } else {
                        line.append((char) c);
                    }
                }
                if (!first.isDone()) {
                    first.complete(line.toString().strip());
                }
                out.write(("[stdout] " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                in.transferTo(out);
            } catch (IOException e) {
                first.complete(line.toString().strip());
            }
        });
        return first;
    }

    private int awaitDisplay(NetnsGuest guest, Launched xvfb, long deadline, Duration within) throws GuestException {
        while (true) {
            if (xvfb.firstLine.isDone()) {
                String line = xvfb.firstLine.join();
                if (line.matches("\\d+")) {
                    return Integer.parseInt(line);
                }
                waitExit(xvfb.process, Duration.ofMillis(300));
                throw new GuestException("start xvfb", (xvfb.process.isAlive() ? "Xvfb reported '" + line
                        + "' instead of a display number" : describeExit(xvfb)) + " before its display was ready\n"
                        + guest.logTail(LOG_TAIL_LINES), null);
            }
            if (!xvfb.process.isAlive()) {
                throw new GuestException("start xvfb", describeExit(xvfb) + " before its display was ready\n"
                        + guest.logTail(LOG_TAIL_LINES), null);
            }
            if (System.nanoTime() > deadline) {
                throw new GuestException("start xvfb", "Xvfb did not report a display within " + within.toSeconds()
                        + " s (SESSION_READY_TIMEOUT)\n" + guest.logTail(LOG_TAIL_LINES), null);
            }
            sleep(20);
        }
    }

    private void awaitVncPort(NetnsGuest guest, Launched vnc, long deadline, Duration within) throws GuestException {
        Pattern port = Pattern.compile("(?m)^PORT=(\\d+)\\s*$");
        while (true) {
            String text = readQuietly(vnc.log);
            Matcher m = port.matcher(text);
            if (m.find()) {
                if (Integer.parseInt(m.group(1)) != VNC_PORT) {
                    throw new GuestException("start x11vnc", "x11vnc listens on port " + m.group(1) + " instead of "
                            + VNC_PORT + "\n" + guest.logTail(LOG_TAIL_LINES), null);
                }
                return;
            }
            Optional<String> dead = guest.failure();
            if (dead.isPresent()) {
                throw new GuestException("start x11vnc", dead.get() + " before x11vnc listened on port " + VNC_PORT
                        + "\n" + guest.logTail(LOG_TAIL_LINES), null);
            }
            if (System.nanoTime() > deadline) {
                throw new GuestException("start x11vnc", "x11vnc did not listen on port " + VNC_PORT + " within "
                        + within.toSeconds() + " s (SESSION_READY_TIMEOUT)\n" + guest.logTail(LOG_TAIL_LINES), null);
            }
            sleep(25);
        }
    }

    private static void settle(NetnsGuest guest, Launched process, Duration bound) throws GuestException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.process.isAlive()) {
                throw new GuestException("start " + process.name, describeExit(process) + " right after starting\n"
                        + guest.logTail(LOG_TAIL_LINES), null);
            }
            sleep(25);
        }
    }

    static String describeExit(Launched p) {
        return NetnsGuest.describeExit(p.name, p.process);
    }

    private static void waitExit(Process p, Duration bound) {
        try {
            p.waitFor(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Resolves a program like the shell would; a clear error when it is missing. */
    /**
     * What this host lacks to run guests (checked at start-up, so a missing browser refuses the controller instead of
     * failing every session): one line per missing program with its fix; empty when all are there.
     */
    public static List<String> missingPrograms(String chromiumBin) {
        List<String> missing = new ArrayList<>();
        String[][] programs = {{"Xvfb", "xvfb"}, {"openbox", "openbox"}, {"x11vnc", "x11vnc"}, {"setsid", "util-linux"}, {"setpriv", "util-linux"},
                {chromiumBin, "chromium"}};
        for (String[] p : programs) {
            try {
                executable("check", p[0], p[1]);
            } catch (GuestException e) {
                missing.add(e.getMessage().replaceFirst("^check: ", "")
                        + (p[1].equals("chromium") ? " (or set CHROMIUM_BIN)" : ""));
            }
        }
        return missing;
    }

    private static String executable(String step, String program, String debianPackage) throws GuestException {
        if (program == null || program.isBlank()) {
            throw new GuestException(step, "no executable configured", null);
        }
        if (program.contains("/")) {
            if (Files.isExecutable(Path.of(program)) && !Files.isDirectory(Path.of(program))) {
                return program;
            }
            throw new GuestException(step, program + " does not exist or is not executable (Debian package: "
                    + debianPackage + ")", null);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toString();
            }
        }
        throw new GuestException(step, program + " was not found on PATH (" + path + "); install the Debian package "
                + debianPackage, null);
    }

    // ---------------------------------------------------------------------------------------------- removal

    @Override
    public Optional<GuestHandle> adopt(GuestSpec spec, Map<String, String> processes) {
        Map<String, ProcessHandle> found = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> p : processes.entrySet()) {
            OptionalLong pid = Processes.pidOf(p.getValue());
            OptionalLong start = Processes.startOf(p.getValue());
            Optional<ProcessHandle> alive = pid.isPresent() && start.isPresent()
                    ? Processes.find(pid.getAsLong(), start.getAsLong()) : Optional.empty();
            if (alive.isPresent()) {
                found.put(p.getKey(), alive.get());
            } else if (!p.getKey().equals(AGENT)) {
                // the agent may have ended by design; any other process gone means the desktop is not whole
                log.info("session={} cannot be adopted: {} is gone", spec.sessionId(), p.getKey());
                return Optional.empty();
            }
        }
        if (!found.keySet().containsAll(List.of("xvfb", "x11vnc"))) {
            log.info("session={} cannot be adopted: its display or VNC server was never recorded", spec.sessionId());
            return Optional.empty();
        }
        return Optional.of(new AdoptedGuest(spec.guestDir().resolve("logs"), found));
    }

    /** A guest started by a previous controller: not our child, so it is watched by pid and start time. */
    private record AdoptedGuest(Path logs, Map<String, ProcessHandle> processes) implements GuestHandle {
        @Override
        public Optional<String> failure() {
            for (Map.Entry<String, ProcessHandle> p : processes.entrySet()) {
                if (!p.getValue().isAlive() && !p.getKey().equals(AGENT)) {
                    return Optional.of(p.getKey() + " exited (taken over after a controller restart)");
                }
            }
            return Optional.empty();
        }

        @Override
        public String logTail(int maxLines) {
            StringBuilder out = new StringBuilder();
            for (String name : processes.keySet()) {
                Path log = logs.resolve(name + ".log");
                out.append("--- ").append(log).append(" (last ").append(maxLines).append(" lines) ---\n");
                tail(log, maxLines).forEach(line -> out.append(line).append('\n'));
            }
            return out.toString();
        }
    }

    @Override
    public void remove(String kind, String name, String detail) {
        switch (kind) {
            case "process" -> removeProcess(name, detail);
            case "interface" -> HostNetwork.deleteLink(cmd, name);
            case "netns" -> namespaces.delete(name);
            case "directory" -> removeDirectory(name);
            default -> throw new IllegalArgumentException("the netns driver has no resources of kind '" + kind + "' ("
                    + name + ")");
        }
    }

    private void removeProcess(String name, String detail) {
        OptionalLong pid = Processes.pidOf(detail);
        OptionalLong start = Processes.startOf(detail);
        if (pid.isEmpty() || start.isEmpty()) {
            // Never started, or the controller died before recording the pid: it can only live inside the guest's
            // namespace, whose removal kills it.
            return;
        }
        Optional<ProcessHandle> process = Processes.find(pid.getAsLong(), start.getAsLong());
        if (process.isPresent()) {
            try {
                List<ProcessHandle> left = Processes.terminate(Processes.withDescendants(process.get()), STOP_GRACE);
                if (!left.isEmpty()) {
                    throw new IllegalStateException(name + " (pid " + pid.getAsLong() + ") or its children "
                            + left.stream().map(ProcessHandle::pid).toList() + " survived SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping " + name + " (pid " + pid.getAsLong() + ")", e);
            }
        }
    }

    private static void removeDirectory(String name) {
        Path dir = Path.of(name).toAbsolutePath().normalize();
        Optional<String> refusal = refuseDirectory(dir);
        if (refusal.isPresent()) {
            throw new IllegalArgumentException(refusal.get());
        }
        try {
            removeChromiumSingletonDir(dir);
            Object owner = Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    ? Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS) : null;
            if (owner instanceof Integer uid && uid >= 1_000_000) {
                removeLeftInSharedDirs(uid);
            }
            deleteTree(dir);
        } catch (IOException e) {
            throw new IllegalStateException("could not delete the guest directory " + dir + ": " + e, e);
        }
    }

    /** The world-writable directories every guest shares (there is no private mount namespace per guest). */
    static final List<Path> SHARED_DIRS = List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm"));

    /**
     * What the guest's user left in the shared world-writable directories: its uid goes to the next session on the
     * same address, which must not find (or read) the last one's files. Only entries that uid owns, at the top of each
     * directory or one level down in a world-writable one (such as /tmp/.X11-unix), are removed, with everything in
     * them; nothing else is looked at.
     */
    static void removeLeftInSharedDirs(int uid) {
        for (Path shared : SHARED_DIRS) {
            try (var top = Files.list(shared)) {
                for (Path entry : top.toList()) {
                    removeIfOwned(entry, uid);
                    // (gone now if it was the uid's own)
                    if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.getPosixFilePermissions(
                            entry, java.nio.file.LinkOption.NOFOLLOW_LINKS).contains(
                            java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
                        try (var inner = Files.list(entry)) {
                            for (Path nested : inner.toList()) {
                                removeIfOwned(nested, uid);
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.warn("could not look for uid {}'s files in {}: {}", uid, shared, e.toString());
            }
        }
    }

    private static void removeIfOwned(Path entry, int uid) {
        try {
            if (Files.exists(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Integer.valueOf(uid).equals(
                    Files.getAttribute(entry, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                deleteTree(entry);
                log.info("removed {} left by guest uid {}", entry, uid);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove {} of guest uid {}: {}", entry, uid, e.toString());
        }
    }

    /**
     * Chromium keeps its singleton socket in {@code $TMPDIR/org.chromium.Chromium.XXXXXX/} and links to it from the
     * profile ({@code SingletonSocket}); a killed Chromium leaves that directory behind. Found through the link, so
     * it works from the directory alone (crash recovery), and only a directory of exactly that name is touched.
     */
    static void removeChromiumSingletonDir(Path guestDir) throws IOException {
        Path link = guestDir.resolve("chromium").resolve("SingletonSocket");
        if (!Files.isSymbolicLink(link)) {
            return;
        }
        Path socket = Files.readSymbolicLink(link);
        Path singletonDir = socket.getParent();
        if (singletonDir != null && Files.isDirectory(singletonDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.getAttribute(singletonDir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        .equals(Files.getAttribute(guestDir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            return; // the guest's link points at somebody else's directory: not ours to delete
        }
        if (!socket.isAbsolute() || singletonDir == null || singletonDir.getFileName() == null
                || !singletonDir.getFileName().toString().matches("org\\.chromium\\.Chromium\\.[A-Za-z0-9]{6}")
                || !Files.isDirectory(singletonDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var entries = Files.list(singletonDir)) {
            for (Path entry : entries.toList()) {
                if (entry.getFileName().toString().startsWith("Singleton")) {
                    Files.deleteIfExists(entry);
                }
            }
        }
        try {
            Files.deleteIfExists(singletonDir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            log.warn("left {} in place: it holds more than Chromium's singleton files", singletonDir);
        }
    }

    /** Guard: only ever delete below a directory named {@code sessions}. */
    static Optional<String> refuseDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        for (Path p = abs.getParent(); p != null; p = p.getParent()) {
            if (p.getFileName() != null && p.getFileName().toString().equals("sessions")) {
                return Optional.empty();
            }
        }
        return Optional.of("refusing to use or delete " + abs + ": guest directories must lie under a directory"
                + " named 'sessions' (a guard against deleting anything else)");
    }

    /** Recursive delete that does not follow symbolic links; retried because a dying process may still write. */
    private static void deleteTree(Path dir) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                        if (exc instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        throw exc;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                        if (exc != null && !(exc instanceof NoSuchFileException)) {
                            throw exc;
                        }
                        Files.deleteIfExists(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                last = e;
                sleep(200);
            }
        }
        throw last;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private interface Step {
        void run() throws Exception;
    }

    private static void step(String step, Step action) throws GuestException {
        try {
            action.run();
        } catch (GuestException e) {
            throw e;
        } catch (Exception e) {
            throw new GuestException(step, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The running guest: its processes, in start order, and their logs. */
    static final class NetnsGuest implements GuestHandle {
        private final String sessionId;
        final Path logs;
        private final List<Launched> processes = new java.util.concurrent.CopyOnWriteArrayList<>();

        NetnsGuest(String sessionId, Path logs) {
            this.sessionId = sessionId;
            this.logs = logs;
        }

        void add(Launched p) {
            processes.add(p);
        }

        @Override
        public Optional<String> failure() {
            for (Launched p : processes) {
                // the agent ends by design after its hand-back, and reports its errors itself
                if (!p.process.isAlive() && !p.name.equals(AGENT)) {
                    return Optional.of(describeExit(p.name, p.process));
                }
            }
            return Optional.empty();
        }

        static String describeExit(String name, Process process) {
            if (process.isAlive()) {
                return name + " is still running";
            }
            int code = process.exitValue();
            String signal = code > 128 && code < 160 ? " (killed by signal " + (code - 128) + ")" : "";
            return name + " exited with code " + code + signal;
        }

        @Override
        public String logTail(int maxLines) {
            StringBuilder out = new StringBuilder();
            for (Launched p : processes) {
                out.append("--- ").append(p.log).append(" (last ").append(maxLines).append(" lines) ---\n");
                for (String line : tail(p.log, maxLines)) {
                    out.append(line).append('\n');
                }
            }
            return out.toString();
        }

        List<Long> pids() {
            return processes.stream().map(p -> p.process.pid()).toList();
        }

        @Override
        public String toString() {
            return "netns guest of session " + sessionId + " " + processes.stream()
                    .map(p -> p.name + "=" + p.process.pid()).toList();
        }
    }

    /** The last lines of a log (see {@link LogTail}). */
    static List<String> tail(Path file, int maxLines) {
        return LogTail.of(file, maxLines);
    }
}
