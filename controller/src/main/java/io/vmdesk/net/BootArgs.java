package io.vmdesk.net;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The guest kernel command line of the VM drivers (QEMU and Firecracker alike).
 *
 * <p>The address part is the kernel's {@code ip=<client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>}
 * with netmask and gateway taken from {@code INTERNAL_NETWORK} and {@code BRIDGE_IP}, never a fixed /24 (the
 * predecessor's hard-coded 255.255.255.0 was one of its faults). The device is the guest's own name for its NIC
 * ({@code eth0}), not the host's TAP. Guests whose kernel lacks {@code CONFIG_IP_PNP} (Debian's) read the same
 * argument from {@code /proc/cmdline} in their init, so one format serves both.
 */
public final class BootArgs {
    /** What every guest gets: serial console, reboot = exit, panic = exit after 1 s (Firecracker's own choice). */
    public static final String BASE = "console=ttyS0 reboot=k panic=1 pci=off";
    /** The guest's name for its NIC; the kernel's ip= addresses that device. */
    public static final String GUEST_DEVICE = "eth0";
    private static final Pattern EXTRA = Pattern.compile("[A-Za-z0-9_.]+(=[A-Za-z0-9_.,:/-]*)?");

    private BootArgs() {
    }

    /** {@code ip=<guest>::<gateway>:<netmask>::eth0:off}. */
    public static String ipArgument(Ipv4Address guest, Ipv4Address gateway, Ipv4Network network) {
        if (!network.contains(guest)) {
            throw new IllegalArgumentException("guest address " + guest + " is outside " + network);
        }
        if (!network.contains(gateway)) {
            throw new IllegalArgumentException("gateway " + gateway + " is outside " + network);
        }
        return "ip=" + guest + "::" + gateway + ":" + network.netmask() + "::" + GUEST_DEVICE + ":off";
    }

    /**
     * The whole command line: {@link #BASE}, the {@code ip=} argument, then {@code extra} (e.g. a test guest's
     * {@code vmdesk.test.drop_ip_after=5}). Extra arguments are single words, so none can smuggle in a second
     * {@code ip=} or split into several.
     */
    public static String commandLine(Ipv4Address guest, Ipv4Address gateway, Ipv4Network network, List<String> extra) {
        List<String> words = new ArrayList<>(List.of(BASE, ipArgument(guest, gateway, network)));
        for (String word : extra) {
            if (!acceptable(word)) {
                throw new IllegalArgumentException("kernel argument '" + word + "' is not allowed: " + RULE);
            }
            words.add(word);
        }
        return String.join(" ", words);
    }

    /** What {@link #acceptable} allows, for messages. */
    public static final String RULE = "use key or key=value (letters, digits, _ . , : / -), not ip= or console=";

    /** Whether an extra argument is one word that leaves vmdesk's own arguments alone. */
    public static boolean acceptable(String word) {
        return EXTRA.matcher(word).matches() && !word.startsWith("ip=") && !word.startsWith("console=");
    }
}
