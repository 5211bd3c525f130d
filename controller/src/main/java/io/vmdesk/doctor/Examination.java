package io.vmdesk.doctor;

import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import io.vmdesk.store.Store;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one doctor run looks at: the host (through {@link HostState}), the configuration and the problems found while
 * loading it, the store (null when there is none to read), the guests to examine, and whether the whole host is in
 * scope (a session's own diagnosis leaves out the host-wide leftovers).
 */
public final class Examination {
    final HostState host;
    final Config config;
    final List<ConfigException.Problem> configProblems;
    final Store store;
    final List<GuestTarget> guests;
    final boolean wholeHost;
    /** ARP answers per guest address, probed once and shared by the layer-2 and guest checks. */
    final Map<String, ArpProbe.Answer> arp = new ConcurrentHashMap<>();
    /** What the families run so far found, in order: later families read it to avoid blaming one fault twice. */
    final List<Check> found = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Examination(HostState host, Config config, List<ConfigException.Problem> configProblems, Store store,
            List<GuestTarget> guests, boolean wholeHost) {
        this.host = host;
        this.config = config;
        this.configProblems = List.copyOf(configProblems);
        this.store = store;
        this.guests = List.copyOf(guests);
        this.wholeHost = wholeHost;
    }

    String bridge() {
        return config.bridgeDevice();
    }

    String wantedBridgeAddress() {
        return config.bridgeIp() + "/" + config.internalNetwork().prefix();
    }

    ArpProbe.Answer arp(GuestTarget guest) {
        // not computeIfAbsent: the probe takes a second, and must not hold the map's lock while other guests wait
        String key = guest.address().toString();
        ArpProbe.Answer answer = arp.get(key);
        if (answer == null) {
            // slot topology: the pool address lives on the slot's end of the guest's own veth pair, not the bridge
            answer = ArpProbe.probe(host, config.slotTopology() ? guest.hostInterface() : bridge(), guest.address());
            ArpProbe.Answer earlier = arp.putIfAbsent(key, answer);
            answer = earlier != null ? earlier : answer;
        }
        return answer;
    }
}
