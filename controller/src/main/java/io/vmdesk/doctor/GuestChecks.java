package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.readiness.ReadinessFailure;
import io.vmdesk.session.StartPipeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Each guest, layer by layer as the host reaches it: does it answer ARP for its address, then does its VNC port
 * accept, then does it speak RFB. The first layer that fails is the finding, with the guest's own view (its eth0,
 * for the netns driver) and its logs. The logs are also searched for the guest's network being changed after boot.
 */
final class GuestChecks implements CheckFamily {
    /** Lines in a guest's console or process logs that mean its address was not set, or was taken away. */
    static final Pattern ADDRESS_TROUBLE = Pattern.compile("(?i)(IP-Config: (?!Complete).*"
            + "|ip=\\S* (ignored|invalid)|Deleted \\d+: \\S+\\s+inet |(deleted|removed|removing|dropped|lost) "
            + "(the )?(ipv4 )?address|DHCPv4 address .* lost|eth0: Lost carrier|Could not set address)");

    @Override
    public String name() {
        return "guest";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        java.util.Map<String, List<Check>> perGuest = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
            for (GuestTarget g : exam.guests) {
                pool.submit(() -> {
                    List<Check> checks = new ArrayList<>(reach(exam, g));
                    checks.add(logs(g));
                    perGuest.put(g.sessionId(), checks);
                });
            }
        }
        for (GuestTarget g : exam.guests) {
            out.addAll(perGuest.getOrDefault(g.sessionId(), List.of()));
        }
        exam.host.refreshNeighbours();
        return out;
    }

    private static List<Check> reach(Examination exam, GuestTarget g) {
        ArpProbe.Answer arp = exam.arp(g);
        String logs = "guest logs: " + g.logDir();
        if (!arp.available()) {
            return List.of(Check.warn("guest.arp", g.label(), "arping could not run (" + arp.raw() + "), so ARP was not tested",
                    "apt-get install iputils-arping (or ./vmdesk deps)"));
        }
        if (arp.macs().isEmpty()) {
            String asked = "no reply to \"who has " + g.address() + "\" on " + exam.bridge() + " (arping: " + arp.raw()
                    + ")";
            List<Check> hostSide = hostSide(exam, g);
            if (!hostSide.isEmpty()) {
                // the host side already explains the silence: say so instead of blaming the guest a second time
                List<String> ids = hostSide.stream().map(c -> c.id() + " (" + c.target() + ")").distinct().toList();
                return List.of(Check.warn("guest.arp", g.label(), asked + "; explained by the host-side finding "
                        + String.join(", ", ids) + ", so the guest itself is not blamed",
                        "fix " + String.join(", ", hostSide.stream().map(Check::id).distinct().toList())
                                + " first, then run doctor again"));
            }
            GuestSide side = guestSide(exam, g);
            String verb = g.wasReady() ? "stopped answering ARP (the session was READY, so it answered before)"
                    : "does not answer ARP";
            Check arpFail = Check.fail("guest.arp", g.label(), "the guest " + verb + ": " + asked
                            + side.text() + "; " + logs + tail(g, 5),
                    "read the guest's log " + g.logDir() + " for what removed or never set " + g.address()
                            + "; the guest must keep " + g.address() + "/" + exam.config.internalNetwork().prefix()
                            + " on eth0" + (g.namespace() != null ? " (netns driver: ip -n " + g.namespace()
                            + " addr add " + g.address() + "/" + exam.config.internalNetwork().prefix()
                            + " dev eth0)" : " (VM images: no DHCP client or network manager may touch eth0)")
                            + "; or end the session and start a new one");
            return side.inspect() == null ? List.of(arpFail) : List.of(arpFail, side.inspect());
        }
        String mac = String.join(", ", arp.macs());
        VncProbe.Result vnc = VncProbe.probe(exam.host.commands(), g.address(), StartPipeline.VNC_PORT);
        if (vnc.banner().isPresent()) {
            return List.of(Check.ok("guest.reach", g.label(), "ARP for " + g.address() + " answered by " + mac + "; port " + StartPipeline.VNC_PORT
                    + " sent " + vnc.banner().get()));
        }
        ReadinessFailure f = vnc.failure();
        return List.of(switch (f) {
            case TCP_REFUSED -> Check.fail("guest.vnc", g.label(), "ARP is fine (" + g.address() + " is at " + mac
                            + ") but " + vnc.evidence() + ": nothing listens on the VNC port; " + logs + tail(g, 5),
                    "the guest's VNC server (x11vnc) is not running: read " + g.logDir().resolve("x11vnc.log")
                            + "; end the session and start a new one");
            case BAD_BANNER -> Check.fail("guest.rfb", g.label(), "ARP and TCP are fine (" + mac + ") but "
                            + vnc.evidence(), "port " + StartPipeline.VNC_PORT + " of the guest must be its VNC server;"
                            + " stop what else listens there (in the guest: ss -ltnp 'sport = :5900')");
            default -> Check.fail("guest.tcp", g.label(), "ARP is fine (" + g.address() + " is at " + mac + ") but "
                            + vnc.evidence() + ": the SYN or its answer is dropped (a filter in the guest or host, or "
                            + "rp_filter)", "see the netfilter.* and routing.* checks; in the guest: nft list ruleset");
        });
    }

    /**
     * Problems found earlier that explain why {@code g} cannot answer ARP from the host's side: its host interface
     * (missing, elsewhere, down, not bridged, no carrier, name too long), the bridge itself (missing or down), or a
     * bridge-family chain dropping what passes between host and guests.
     */
    private static List<Check> hostSide(Examination exam, GuestTarget g) {
        return exam.found.stream().filter(c -> c.status() != Status.OK).filter(c ->
                (c.id().startsWith("guest-interface.") && c.target().contains(g.sessionId()))
                        || c.id().equals("bridge.exists") || c.id().equals("bridge.up")
                        || c.id().equals("netfilter.bridge-host")
                        || (c.id().equals("bridge.port-state") && c.target().equals(g.hostInterface())))
                .toList();
    }

    /** What the guest has on eth0 (appended to the ARP evidence), and a warning when it could not be read. */
    private record GuestSide(String text, Check inspect) {
    }

    /** What the guest itself has on eth0 (netns driver: its namespace is readable from the host). */
    private static GuestSide guestSide(Examination exam, GuestTarget g) {
        if (g.namespace() == null) {
            return new GuestSide("", null);
        }
        var r = exam.host.run(Duration.ofSeconds(5), "ip", "-n", g.namespace(), "-j", "-4", "addr", "show", "dev",
                "eth0");
        if (!r.ok()) {
            String err = r.stderr().strip();
            // only ip's own answer about the device means eth0 is missing; anything else means we could not look
            if (err.contains("\"eth0\" does not exist") || err.contains("Cannot find device \"eth0\"")) {
                return new GuestSide("; the guest's namespace " + g.namespace() + " has no eth0 (" + err + ")", null);
            }
            String why = "could not inspect the guest's namespace " + g.namespace() + " (`ip -n " + g.namespace()
                    + " addr show dev eth0` exited " + r.exitCode() + ": " + (err.isEmpty() ? "no message" : err) + ")";
            return new GuestSide("; " + why + ", so its eth0 is unknown", Check.warn("guest.inspect", g.label(),
                    why + "; what the guest holds on eth0 was not checked",
                    "run doctor as root in the controller's mount and network namespace (a namespace registered under "
                            + "/run/netns by the controller is visible only there: e.g. nsenter --target <controller pid>"
                            + " --mount --net vmdesk doctor), or see whether " + g.namespace()
                            + " still exists: ip netns list"));
        }
        List<String> addrs = new ArrayList<>();
        for (JsonNode l : HostState.parse(r.stdout())) {
            for (JsonNode a : l.path("addr_info")) {
                addrs.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
            }
        }
        boolean has = addrs.stream().anyMatch(a -> a.startsWith(g.address() + "/"));
        return new GuestSide("; in the guest (namespace " + g.namespace() + ") eth0 has " + (addrs.isEmpty()
                ? "no IPv4 address" : String.join(", ", addrs)) + (has ? "" : ": " + g.address() + " is gone"), null);
    }

    /** Lines of the guest's logs showing its address unset or removed. */
    private static Check logs(GuestTarget g) {
        List<String> hits = new ArrayList<>();
        for (Path file : logFiles(g)) {
            try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
                int[] n = {0};
                lines.forEach(line -> {
                    n[0]++;
                    if (ADDRESS_TROUBLE.matcher(line).find() && hits.size() < 10) {
                        hits.add(file + ":" + n[0] + ": " + line.strip());
                    }
                });
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable log: nothing to report from it
            }
        }
        if (hits.isEmpty()) {
            return Check.ok("guest.log", g.label(), "no address trouble in " + g.logDir());
        }
        return Check.fail("guest.log", g.label(), "the guest's log shows its address not set or removed after boot:\n"
                        + String.join("\n", hits),
                "stop what changes eth0 in the guest: for VM images disable DHCP clients and network managers on eth0 "
                        + "(systemd-networkd: KeepConfiguration=yes, or no .network file for eth0) and keep the kernel's "
                        + "ip= configuration; then start a new session");
    }

    private static List<Path> logFiles(GuestTarget g) {
        if (!Files.isDirectory(g.logDir())) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(g.logDir())) {
            return list.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String tail(GuestTarget g, int lines) {
        StringBuilder out = new StringBuilder();
        for (Path file : logFiles(g)) {
            try {
                List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                if (!all.isEmpty()) {
                    out.append("\n  ").append(file.getFileName()).append(": ")
                            .append(String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size())));
                }
            } catch (IOException e) {
                // skip unreadable logs
            }
        }
        return out.toString();
    }
}
