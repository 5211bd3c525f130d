package io.vmdesk.readiness;

import io.vmdesk.net.Ipv4Address;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's ARP cache as this process sees it ({@code /proc/net/arp}, in its network namespace): cheap enough to
 * read on every readiness attempt, so that "the guest answered ARP" is recorded when it happens.
 */
final class ArpCache {
    private static final Path TABLE = Path.of("/proc/net/arp");
    /** ATF_COM: the entry is complete, i.e. the address answered. */
    private static final int COMPLETE = 0x2;

    private ArpCache() {
    }

    /** The MAC that answered for the address, if a complete entry exists. */
    static Optional<String> answered(Ipv4Address address) {
        try {
            for (String line : Files.readAllLines(TABLE)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].equals(address.toString()) && f[2].startsWith("0x")
                        && (Integer.parseInt(f[2].substring(2), 16) & COMPLETE) != 0) {
                    return Optional.of(f[3]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no evidence either way
        }
        return Optional.empty();
    }
}
