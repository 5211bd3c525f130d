package io.vmdesk.doctor;

import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Ipv4Address;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks "who has ADDRESS?" on the bridge with {@code arping} and collects every MAC that answers: none means the guest
 * is not on the wire with that address, two or more mean an address conflict. Two requests, one second at most.
 */
final class ArpProbe {
    private static final Pattern REPLY = Pattern.compile("reply from (\\S+) \\[([0-9A-Fa-f:]{17})\\]");

    private ArpProbe() {
    }

    /**
     * @param macs      distinct MACs that answered, lower case
     * @param available false when arping is missing (then nothing is known)
     * @param raw       arping's output, for evidence
     */
    record Answer(Set<String> macs, boolean available, String raw) {
    }

    static Answer probe(HostState host, String bridge, Ipv4Address address) {
        HostCommands.Result r;
        try {
            r = host.run(Duration.ofSeconds(5), "arping", "-c", "2", "-w", "1", "-I", bridge, address.toString());
        } catch (RuntimeException e) {
            return new Answer(Set.of(), false, e.getMessage());
        }
        // Missing, or not allowed a packet socket (no CAP_NET_RAW, or AF_PACKET refused by the service's sandbox):
        // that says nothing about the guest.
        if (r.stderr().contains("No such file") || r.exitCode() == 127 || r.stderr().contains("Operation not permitted")
                || r.stderr().contains("Address family not supported")) {
            return new Answer(Set.of(), false, r.stderr().strip());
        }
        Set<String> macs = new LinkedHashSet<>();
        Matcher m = REPLY.matcher(r.stdout());
        while (m.find()) {
            if (m.group(1).equals(address.toString())) {
                macs.add(m.group(2).toLowerCase(Locale.ROOT));
            }
        }
        String raw = (r.stdout() + r.stderr()).lines().filter(l -> !l.isBlank()).reduce((a, b) -> a + "; " + b)
                .orElse("");
        return new Answer(macs, true, raw);
    }
}
