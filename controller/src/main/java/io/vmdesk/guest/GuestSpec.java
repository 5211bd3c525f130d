package io.vmdesk.guest;

import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.nio.file.Path;

/**
 * Everything a driver needs to bring up one guest. Names come from {@link io.vmdesk.net.Naming}.
 *
 * @param hostInterface host-side veth/TAP name
 * @param namespace     network namespace of the guest (netns driver)
 * @param guestDir      per-guest directory; must lie under a directory named {@code sessions}
 * @param chromiumBin   the Chromium executable (a path or a name on PATH)
 * @param agent         how to start the login agent in the guest; null = no agent
 */
public record GuestSpec(String sessionId, Ipv4Address address, Ipv4Network network, Ipv4Address gateway, String mac,
        String hostInterface, String namespace, Path guestDir, String bridgeDevice, String chromiumBin,
        AgentLaunch agent) {

    /** A guest without the login agent. */
    public GuestSpec(String sessionId, Ipv4Address address, Ipv4Network network, Ipv4Address gateway, String mac,
            String hostInterface, String namespace, Path guestDir, String bridgeDevice, String chromiumBin) {
        this(sessionId, address, network, gateway, mac, hostInterface, namespace, guestDir, bridgeDevice, chromiumBin,
                null);
    }
}
