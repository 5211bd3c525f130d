package io.vmdesk.guest;

import java.util.Map;
import java.util.Optional;

/** The seam for the sandbox driver now and the QEMU/Firecracker drivers later. */
public interface GuestDriver {
    /** "netns" */
    String name();

    /** netns: namespace + veth on the bridge + guest addressing. */
    void wireNetwork(GuestSpec spec, Ledger ledger) throws GuestException;

    /** Per-guest directory guestDir (logs/, start page, browser profile). */
    void prepare(GuestSpec spec, Ledger ledger) throws GuestException;

    /** Guest processes. */
    /** Starts the guest's processes, giving up (GuestException naming the step) once {@code within} has passed. */
    GuestHandle start(GuestSpec spec, Ledger ledger, java.time.Duration within) throws GuestException;

    default GuestHandle start(GuestSpec spec, Ledger ledger) throws GuestException {
        return start(spec, ledger, java.time.Duration.ofSeconds(60));
    }

    /**
     * Removes one recorded resource; used by normal teardown (reverse order) AND by crash recovery with only the
     * ledger row. Idempotent: a resource already gone is fine. Must not kill an unrelated process that reused a pid
     * (record pid + process start time in the detail and compare).
     */
    void remove(String kind, String name, String detail);

    /**
     * A guest a previous controller left running (SHUTDOWN_LEAVE_GUESTS, or a crash): a handle to watch it when every
     * one of its recorded processes ({@code name → ledger detail}) is still the process that was started, otherwise
     * empty. Drivers that cannot take guests over answer empty, and such sessions are ended.
     */
    default Optional<GuestHandle> adopt(GuestSpec spec, Map<String, String> processes) {
        return Optional.empty();
    }
}
