package io.vmdesk.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a vmdesk guest needs and the image lacks: a VNC server (readiness reads its RFB banner on :5900), the agent's
 * systemd unit, enabled, and — when the image ships a kernel configuration — {@code CONFIG_IP_PNP}, without which the
 * kernel ignores {@code ip=} and nothing configures eth0 unless the image does it itself.
 */
final class MissingCheck {
    /** The agent's unit, as the golden image installs it. */
    static final String AGENT_UNIT = "vmdesk-agent.service";
    static final List<String> VNC_SERVERS = List.of("x11vnc", "Xvnc", "Xtigervnc", "x0vncserver", "tigervncserver",
            "vncserver", "wayvnc");
    static final List<String> BIN_DIRS = List.of("/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/opt/vmdesk/bin");

    private MissingCheck() {
    }

    static List<Finding> run(Ext4Image image, SystemdUnits units) throws ImageException {
        List<Finding> findings = new ArrayList<>();
        if (vncServer(image).isEmpty()) {
            findings.add(new Finding(Severity.MISSING, "missing.vnc-server", String.join(", ", BIN_DIRS),
                    "no VNC server (" + String.join(", ", VNC_SERVERS) + ") in the image: readiness waits for an RFB "
                            + "banner on :5900 that never comes", "install one in the image (x11vnc with Xvfb, or "
                            + "tigervnc-standalone-server) and start it on :5900 from a systemd unit"));
        }
        Optional<String> agentUnit = units.unitFile(AGENT_UNIT);
        if (agentUnit.isEmpty()) {
            findings.add(new Finding(Severity.MISSING, "missing.agent-unit", String.join(", ",
                    SystemdUnits.UNIT_DIRS), "no " + AGENT_UNIT + ": the login agent never starts, so no credentials "
                    + "are captured", "install the agent and its unit (images/golden does) and enable it"));
        } else if (units.enabledBy(AGENT_UNIT).isEmpty()) {
            findings.add(new Finding(Severity.MISSING, "missing.agent-unit", agentUnit.get(), AGENT_UNIT + " exists "
                    + "but is not enabled: the login agent never starts", "enable it: ln -s " + agentUnit.get()
                    + " /etc/systemd/system/multi-user.target.wants/" + AGENT_UNIT));
        }
        for (Ext4Image.Entry e : image.list("/boot")) {
            if (!e.name().startsWith("config-")) {
                continue;
            }
            String path = "/boot/" + e.name();
            String config = image.read(path).orElse("");
            if (!config.lines().anyMatch(l -> l.strip().equals("CONFIG_IP_PNP=y"))) {
                String says = config.lines().filter(l -> l.contains("CONFIG_IP_PNP")).findFirst()
                        .orElse("no CONFIG_IP_PNP line");
                findings.add(new Finding(Severity.MISSING, "missing.ip-pnp", path, says + ": this kernel ignores ip=, "
                        + "so eth0 stays unconfigured unless the image applies ip= itself", "boot a kernel built with "
                        + "CONFIG_IP_PNP=y (KERNEL_IMAGE), or have the image apply ip= from /proc/cmdline early in boot "
                        + "(as the test guest's init does)"));
            }
        }
        return findings;
    }

    private static Optional<String> vncServer(Ext4Image image) throws ImageException {
        for (String dir : BIN_DIRS) {
            for (Ext4Image.Entry e : image.list(dir)) {
                if (VNC_SERVERS.contains(e.name())) {
                    return Optional.of(dir + "/" + e.name());
                }
            }
        }
        return Optional.empty();
    }
}
