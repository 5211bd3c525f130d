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
 * @param netns      the slot namespace the VMM runs in (where its TAP is), or null (bridge topology)
 */
public record VmBoot(GuestSpec spec, VmImage image, Path dir, String tap, String bootArgs, Path rootfs, String netns) {

    public VmBoot(GuestSpec spec, VmImage image, Path dir, String tap, String bootArgs, Path rootfs) {
        this(spec, image, dir, tap, bootArgs, rootfs, null);
    }

    /** The VMM's command, run in the slot namespace when there is one (ip netns exec execs it: same pid). */
    public java.util.List<String> inNamespace(java.util.List<String> argv) {
        if (netns == null) {
            return argv;
        }
        java.util.List<String> full = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec", netns));
        full.addAll(argv);
        return full;
    }

    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    /** What the VMM itself writes (stdout, stderr). */
    public Path vmmLog() {
        return dir.resolve("vmm.log");
    }
}
