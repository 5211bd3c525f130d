package io.vmdesk.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Enabled units that configure interfaces on their own, beyond networkd, ifupdown and NetworkManager (checked with
 * their configuration elsewhere): DHCP clients, connman, wicked, and cloud-init, which writes a DHCP configuration
 * for the first NIC at first boot unless its network configuration is disabled.
 */
final class ServicesCheck {
    /** unit → what it does to eth0. */
    private static final Map<String, String> DHCP_UNITS = Map.of(
            "dhcpcd.service", "dhcpcd runs DHCP on every interface it is not denied",
            "dhclient.service", "dhclient runs DHCP on eth0",
            "dhclient@.service", "dhclient runs DHCP on the interface it is started for",
            "connman.service", "ConnMan manages wired interfaces with DHCP",
            "wicked.service", "wicked configures interfaces from its own files");
    private static final List<String> CLOUD_INIT = List.of("cloud-init-local.service", "cloud-init.service",
            "cloud-init-network.service");
    private static final Pattern CLOUD_NET_DISABLED = Pattern.compile("network\\s*:\\s*\\{?\\s*config\\s*:\\s*disabled");

    private ServicesCheck() {
    }

    static List<Finding> run(Ext4Image image, SystemdUnits units) throws ImageException {
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, String> u : DHCP_UNITS.entrySet()) {
            for (Map.Entry<String, String> e : units.enabledMatching(u.getKey()).entrySet()) {
                if (e.getKey().startsWith("dhcpcd") && dhcpcdDeniesEth0(image)) {
                    continue;
                }
                findings.add(new Finding(Severity.FIGHT, "unit.dhcp-client", e.getValue(), e.getKey() + " is enabled: "
                        + u.getValue(), "disable it: rm " + e.getValue() + " (or systemctl --root=MOUNT disable "
                        + e.getKey() + "); eth0 is configured by the kernel's ip="));
            }
        }
        for (String unit : CLOUD_INIT) {
            var link = units.enabledBy(unit);
            if (link.isPresent() && !cloudInitNetworkDisabled(image)) {
                findings.add(new Finding(Severity.FIGHT, "unit.cloud-init", link.get(), unit + " is enabled and its "
                        + "network configuration is not disabled: at first boot it writes a DHCP configuration for the "
                        + "first NIC", "write /etc/cloud/cloud.cfg.d/99-vmdesk-network.cfg with `network: {config: "
                        + "disabled}`, or remove cloud-init"));
                break;
            }
        }
        return findings;
    }

    private static boolean dhcpcdDeniesEth0(Ext4Image image) throws ImageException {
        for (String line : image.read("/etc/dhcpcd.conf").orElse("").split("\n")) {
            String[] w = line.replaceAll("#.*$", "").strip().split("\\s+");
            if (w.length >= 2 && w[0].equals("denyinterfaces")) {
                for (int i = 1; i < w.length; i++) {
                    if (NetworkdCheck.glob(w[i], "eth0")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean cloudInitNetworkDisabled(Ext4Image image) throws ImageException {
        List<String> files = new ArrayList<>(List.of("/etc/cloud/cloud.cfg"));
        for (Ext4Image.Entry e : image.list("/etc/cloud/cloud.cfg.d")) {
            files.add("/etc/cloud/cloud.cfg.d/" + e.name());
        }
        for (String f : files) {
            String text = image.read(f).orElse("").replaceAll("\\s+", " ");
            if (CLOUD_NET_DISABLED.matcher(text).find()) {
                return true;
            }
        }
        return false;
    }
}
