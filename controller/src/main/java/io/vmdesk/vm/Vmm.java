package io.vmdesk.vm;

import io.vmdesk.guest.GuestException;
import io.vmdesk.guest.Ledger;
import java.time.Duration;

/**
 * A virtual machine monitor: the part in which the QEMU and Firecracker drivers differ. Everything else (TAP, guest
 * directory, boot arguments, console, cleanup) is {@link MicroVmDriver}'s.
 */
public interface Vmm {
    /** "qemu", "firecracker": the driver's name. */
    String name();

    /** Host programs missing for this VMM, each with its fix; empty when it can run. */
    java.util.List<String> missingPrograms();

    /**
     * Starts the guest's VMM, recording its process in the ledger before it exists (kind "process", detail
     * {@code pid=… start=…} plus whatever {@link #stop} needs).
     */
    VmProcess boot(VmBoot boot, Ledger ledger, Duration within) throws GuestException;

    /**
     * Asks the VMM recorded as {@code name}/{@code detail} to stop its guest gracefully (Firecracker: SendCtrlAltDel);
     * the driver kills it after a bound either way. Best effort, never throws.
     */
    default void requestStop(String name, String detail) {
    }
}
