package io.vmdesk.guest;

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
}
