package io.vmdesk.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * What every VM guest boots and how big it is (KERNEL_IMAGE, INITRD, ROOTFS_IMAGE, VM_KERNEL_ARGS, VM_VCPUS,
 * VM_MEMORY_MIB).
 *
 * @param initrd     null = none
 * @param rootfs     the golden root filesystem, copied per guest; null = none (the test guest runs from its initrd)
 * @param extraArgs  appended to vmdesk's own kernel arguments
 */
public record VmImage(Path kernel, Path initrd, Path rootfs, List<String> extraArgs, int vcpus, int memoryMib) {
    public VmImage {
        extraArgs = List.copyOf(extraArgs);
    }
}
