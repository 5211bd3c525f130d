package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each live guest's host-side interface (veth or TAP): a name the kernel keeps as given, present in this namespace,
 * up, a port of the bridge, and with carrier (NO-CARRIER: nothing holds the TAP, or the veth's other end is down).
 */
final class GuestInterfaceChecks implements CheckFamily {
    /** IFNAMSIZ is 16 bytes including the terminating NUL. */
    static final int MAX_NAME_BYTES = 15;

    @Override
    public String name() {
        return "guest-interface";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        for (GuestTarget g : exam.guests) {
            out.add(check(exam, g));
        }
        return out;
    }

    private static Check check(Examination exam, GuestTarget g) {
        String name = g.hostInterface();
        String bridge = exam.bridge();
        String target = name + " (" + g.label() + ")";
        String recreate = "end the session (DELETE /api/auth/session/" + g.sessionId() + ") and start a new one";
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            return Check.fail("guest-interface.name", target, "'" + name + "' is " + bytes + " bytes; the kernel allows "
                    + MAX_NAME_BYTES + " (IFNAMSIZ 16 with the NUL), so it becomes '"
                    + new String(name.getBytes(StandardCharsets.UTF_8), 0, MAX_NAME_BYTES, StandardCharsets.UTF_8)
                    + "' or is refused, and lookups by the full name fail", "name host interfaces with at most 15 bytes"
                    + " (vmdesk's own names are 14: vmd + 11 hex digits); " + recreate);
        }
        Optional<JsonNode> link = exam.host.link(name);
        if (link.isEmpty()) {
            Optional<String> elsewhere = findElsewhere(exam, name);
            if (elsewhere.isPresent()) {
                return Check.fail("guest-interface.namespace", target, name + " is not in the controller's network "
                                + "namespace but in " + elsewhere.get() + ", where " + bridge + " cannot reach it",
                        "ip -n " + elsewhere.get() + " link set dev " + name + " netns <the controller's namespace>"
                                + " && ip link set dev " + name + " master " + bridge + " up; or " + recreate);
            }
            return Check.fail("guest-interface.exists", target, "no link " + name + " in this namespace (the "
                    + "ledger recorded it for the session)", recreate);
        }
        List<String> flags = HostState.flags(link.get());
        String seen = "flags " + flags + ", operstate " + link.get().path("operstate").asText() + ", master "
                + link.get().path("master").asText("(none)");
        if (!flags.contains("UP")) {
            return Check.fail("guest-interface.up", target, name + " is down: " + seen, "ip link set dev " + name + " up");
        }
        if (exam.config.slotTopology() && !link.get().path("master").asText("").isEmpty()) {
            return Check.fail("guest-interface.bridge", target, name + " is a port of " + link.get().path("master")
                    .asText() + " although NETWORK_TOPOLOGY=slot routes the guest's address to it: " + seen,
                    "ip link set dev " + name + " nomaster");
        }
        if (!exam.config.slotTopology() && !link.get().path("master").asText("").equals(bridge)) {
            return Check.fail("guest-interface.bridge", target, name + " is not a port of " + bridge + ": " + seen,
                    "ip link set dev " + name + " master " + bridge);
        }
        if (flags.contains("NO-CARRIER") || !flags.contains("LOWER_UP")) {
            String kind = link.get().path("linkinfo").path("info_kind").asText("");
            String why = kind.equals("veth") ? "the guest's end of the veth pair is down"
                    : "no process holds the TAP (the VMM is not running or opened another device)";
            String fix = kind.equals("veth") && g.namespace() != null
                    ? "ip -n " + g.namespace() + " link set dev eth0 up" : recreate;
            return Check.fail("guest-interface.carrier", target, name + " has no carrier: " + why + "; " + seen, fix);
        }
        return Check.ok("guest-interface.link", target, seen);
    }

    /** The vmdesk guest namespace (or any other registered one) holding a link of that name. */
    private static Optional<String> findElsewhere(Examination exam, String name) {
        for (String ns : exam.host.namespaces()) {
            HostCommands.Result r = exam.host.run(Duration.ofSeconds(5), "ip", "-n", ns, "link", "show", "dev", name);
            if (r.ok()) {
                return Optional.of(ns);
            }
        }
        return Optional.empty();
    }
}
