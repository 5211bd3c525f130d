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
                pool.submit(() -> perGuest.put(g.sessionId(), List.of(reach(exam, g), logs(g))));
            }
        }
        for (GuestTarget g : exam.guests) {
            out.addAll(perGuest.getOrDefault(g.sessionId(), List.of()));
        }
        exam.host.refreshNeighbours();
        return out;
    }

    private static Check reach(Examination exam, GuestTarget g) {
        ArpProbe.Answer arp = exam.arp(g);
        String logs = "guest logs: " + g.logDir();
        if (!arp.available()) {
            return Check.warn("guest.arp", g.label(), "arping could not run (" + arp.raw() + "), so ARP was not tested",
                    "apt-get install iputils-arping (or ./vmdesk deps)");
        }
        if (arp.macs().isEmpty()) {
            String verb = g.wasReady() ? "stopped answering ARP (the session was READY, so it answered before)"
                    : "does not answer ARP";
            return Check.fail("guest.arp", g.label(), "the guest " + verb + ": no reply to \"who has "
                            + g.address() + "\" on " + exam.bridge() + " (arping: " + arp.raw() + ")"
                            + guestSide(exam, g) + "; " + logs + tail(g, 5),
                    "read the guest's log " + g.logDir() + " for what removed or never set " + g.address()
                            + "; the guest must keep " + g.address() + "/" + exam.config.internalNetwork().prefix()
                            + " on eth0" + (g.namespace() != null ? " (netns driver: ip -n " + g.namespace()
                            + " addr add " + g.address() + "/" + exam.config.internalNetwork().prefix()
                            + " dev eth0)" : " (VM images: no DHCP client or network manager may touch eth0)")
                            + "; or end the session and start a new one");
        }
        String mac = String.join(", ", arp.macs());
        VncProbe.Result vnc = VncProbe.probe(exam.host.commands(), g.address(), StartPipeline.VNC_PORT);
        if (vnc.banner().isPresent()) {
            return Check.ok("guest.reach", g.label(), "ARP for " + g.address() + " answered by " + mac + "; port " + StartPipeline.VNC_PORT
                    + " sent " + vnc.banner().get());
        }
        ReadinessFailure f = vnc.failure();
        return switch (f) {
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
        };
    }

    /** What the guest itself has on eth0 (netns driver: its namespace is readable from the host). */
    private static String guestSide(Examination exam, GuestTarget g) {
        if (g.namespace() == null) {
            return "";
        }
        var r = exam.host.run(Duration.ofSeconds(5), "ip", "-n", g.namespace(), "-j", "-4", "addr", "show", "dev",
                "eth0");
        if (!r.ok()) {
            return "; the guest's namespace " + g.namespace() + " has no eth0 (" + r.stderr().strip() + ")";
        }
        List<String> addrs = new ArrayList<>();
        for (JsonNode l : HostState.parse(r.stdout())) {
            for (JsonNode a : l.path("addr_info")) {
                addrs.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
            }
        }
        boolean has = addrs.stream().anyMatch(a -> a.startsWith(g.address() + "/"));
        return "; in the guest (namespace " + g.namespace() + ") eth0 has " + (addrs.isEmpty() ? "no IPv4 address"
                : String.join(", ", addrs)) + (has ? "" : ": " + g.address() + " is gone");
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
