package io.vmdesk.vm;

import io.vmdesk.guest.GuestSpec;
import java.nio.file.Path;

/**
 * One guest's boot, as the VMMs need it: everything is decided by {@link MicroVmDriver} so that QEMU and Firecracker
 * boot the same guest the same way.
 *
 * @param dir        the guest's directory {@code DATA_DIR/vms/<id>/}
 * @param tap        the host TAP the guest's NIC is attached to
 * @param bootArgs   the whole kernel command line (see {@link io.vmdesk.net.BootArgs})
 * @param rootfs     this guest's own copy of the root filesystem, or null
 */
public record VmBoot(GuestSpec spec, VmImage image, Path dir, String tap, String bootArgs, Path rootfs) {

    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    /** What the VMM itself writes (stdout, stderr). */
    public Path vmmLog() {
        return dir.resolve("vmm.log");
    }
}
