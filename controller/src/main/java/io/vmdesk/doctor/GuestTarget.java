package io.vmdesk.doctor;

import io.vmdesk.config.Config;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One live session's guest as the store and ledger describe it: what the host should see for it.
 *
 * @param hostInterface the host-side veth/TAP the ledger recorded (or the name {@link Naming} gives it)
 * @param namespace     the guest's network namespace (netns driver), null when there is none
 * @param logDir        where the guest's process/console logs are
 * @param wasReady      whether the session reached READY (then a guest that is silent now stopped answering)
 */
public record GuestTarget(String sessionId, String status, Ipv4Address address, String mac, String hostInterface,
        String namespace, Path logDir, boolean wasReady) {

    /** The live sessions that have an address, with what their ledgers hold. */
    public static List<GuestTarget> live(Store store, Config config) {
        List<GuestTarget> out = new ArrayList<>();
        for (SessionRow row : store.sessions().live()) {
            of(store, config, row).ifPresent(out::add);
        }
        return out;
    }

    /** The guest of one session, when the session has an address. */
    public static java.util.Optional<GuestTarget> of(Store store, Config config, SessionRow row) {
        if (row.browserIp() == null) {
            return java.util.Optional.empty();
        }
        String hostInterface = null;
        String namespace = null;
        for (LedgerEntry e : store.ledger().open(row.id())) {
            if (e.kind().equals("interface") && hostInterface == null) {
                hostInterface = e.name();
            } else if (e.kind().equals("netns") && namespace == null) {
                namespace = e.name();
            }
        }
        if (hostInterface == null) {
            hostInterface = Naming.interfaceName(row.id());
        }
        return java.util.Optional.of(new GuestTarget(row.id(), row.status(), Ipv4Address.parse(row.browserIp()),
                row.mac(), hostInterface, namespace,
                config.dataDir().resolve("sessions").resolve(row.id()).resolve("logs"), row.readyAt() != null));
    }

    /** "session 1234abcd… (192.168.100.2)" for targets of checks. */
    public String label() {
        return "session " + sessionId + " (" + address + ")";
    }
}
