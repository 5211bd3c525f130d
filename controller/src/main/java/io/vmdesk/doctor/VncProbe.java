package io.vmdesk.doctor;

import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.readiness.ReadinessException;
import io.vmdesk.readiness.ReadinessFailure;
import io.vmdesk.readiness.RfbReadiness;
import java.time.Duration;
import java.util.Optional;

/**
 * One attempt to read a guest's RFB banner, classified like readiness does ({@link ReadinessFailure}). In the
 * controller's own namespace this is {@link RfbReadiness#probeOnce}; when the doctor inspects another namespace
 * ({@code --netns}, tests) the same attempt runs there, through bash's /dev/tcp.
 */
final class VncProbe {
    private static final String SCRIPT = "exec 3<>/dev/tcp/$0/$1 || exit 3; echo connected >&2; "
            + "timeout 2 head -c 12 <&3";

    private VncProbe() {
    }

    /** The banner, or the failure and what was seen. */
    record Result(Optional<String> banner, ReadinessFailure failure, String evidence) {
    }

    static Result probe(HostCommands cmd, Ipv4Address address, int port) {
        if (cmd.wrapNamespace() == null) {
            try {
                return new Result(Optional.of(new RfbReadiness(a -> Optional.empty()).probeOnce(address, port)), null,
                        "");
            } catch (ReadinessException e) {
                return new Result(Optional.empty(), e.failure(), e.getMessage());
            }
        }
        String target = address + ":" + port;
        HostCommands.Result r = cmd.run(Duration.ofSeconds(6), "timeout", "3", "bash", "-c", SCRIPT,
                address.toString(), String.valueOf(port));
        String err = r.stderr().strip();
        if (err.contains("refused")) {
            return new Result(Optional.empty(), ReadinessFailure.TCP_REFUSED, target + " refused the connection");
        }
        if (!err.contains("connected")) {
            return new Result(Optional.empty(), ReadinessFailure.TCP_TIMEOUT, target + ": no answer to the SYN"
                    + (err.isEmpty() ? " within 3 s" : " (" + err.replace('\n', ' ') + ")"));
        }
        String banner = r.stdout();
        if (banner.matches("RFB 003\\.00[0-9]\n")) {
            return new Result(Optional.of(banner.strip()), null, "");
        }
        return new Result(Optional.empty(), ReadinessFailure.BAD_BANNER, target + " answered \""
                + banner.replaceAll("[^\\x20-\\x7e]", "?") + "\" instead of an RFB banner like \"RFB 003.008\"");
    }
}
