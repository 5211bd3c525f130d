package io.vmdesk.vm;

import io.vmdesk.guest.GuestException;
import io.vmdesk.guest.Ledger;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * QEMU's microvm machine: no PCI, no firmware menus, virtio over MMIO, as close to Firecracker as QEMU gets.
 *
 * <p>{@code pit=on,pic=on,rtc=on}: without a PIT, Debian's kernel cannot calibrate its TSC under TCG and hangs right
 * after "tsc: Unable to calibrate against PIT"; the legacy timers cost nothing measurable. KVM is used when it
 * actually runs a guest ({@link KvmProbe}), TCG otherwise.
 */
public final class QemuVmm implements Vmm {
    static final String MACHINE = "microvm,pit=on,pic=on,rtc=on";

    private final HostCommands cmd;
    private final String qemuBin;

    public QemuVmm(HostCommands cmd, String qemuBin) {
        this.cmd = cmd;
        this.qemuBin = qemuBin;
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public List<String> missingPrograms() {
        return Programs.onPath(qemuBin) ? List.of()
                : List.of(qemuBin + " (QEMU_BIN) was not found: apt-get install qemu-system-x86 (or ./vmdesk deps)");
    }

    /** The QEMU command line of one guest. */
    List<String> commandLine(VmBoot boot, boolean kvm) {
        List<String> argv = new ArrayList<>(List.of(qemuBin,
                "-name", "vmdesk-" + boot.spec().sessionId(),
                "-M", MACHINE, "-accel", kvm ? "kvm" : "tcg",
                "-m", String.valueOf(boot.image().memoryMib()), "-smp", String.valueOf(boot.image().vcpus()),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-chardev", "file,id=console,path=" + boot.consoleLog(), "-serial", "chardev:console",
                "-kernel", boot.image().kernel().toString()));
        if (boot.image().initrd() != null) {
            argv.addAll(List.of("-initrd", boot.image().initrd().toString()));
        }
        String append = boot.bootArgs();
        if (!kvm) {
            // Under TCG the guest's TSC counts nanoseconds of virtual time (1 GHz). Telling the kernel so skips its
            // PIT calibration, which fails on a loaded host and then stalls the boot for minutes.
            append += " tsc_early_khz=1000000 tsc=reliable";
        }
        if (boot.rootfs() != null) {
            argv.addAll(List.of("-drive", "id=rootfs,file=" + boot.rootfs() + ",format=raw,if=none",
                    "-device", "virtio-blk-device,drive=rootfs"));
            append += " root=/dev/vda rw";
        }
        argv.addAll(List.of("-append", append,
                "-netdev", "tap,id=net0,ifname=" + boot.tap() + ",script=no,downscript=no",
                "-device", "virtio-net-device,netdev=net0,mac=" + boot.spec().mac()));
        return argv;
    }

    @Override
    public VmProcess boot(VmBoot boot, Ledger ledger, Duration within) throws GuestException {
        boolean kvm = KvmProbe.usable(cmd.wrap(List.of(qemuBin)), boot.image().kernel());
        List<String> argv = cmd.wrap(boot.inNamespace(commandLine(boot, kvm)));
        long entry = ledger.record("process", "qemu", "not started yet (VM directory " + boot.dir() + ")");
        Process process;
        try {
            Files.writeString(boot.dir().resolve("qemu.cmdline"), String.join(" ", argv) + "\n");
            process = new ProcessBuilder(argv)
                    .directory(boot.dir().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(boot.vmmLog().toFile()))
                    .start();
        } catch (IOException e) {
            throw new GuestException("vm.start", "could not run " + qemuBin + ": " + e.getMessage(), e);
        }
        ledger.updateDetail(entry, Processes.identity(process.toHandle()) + " accel=" + (kvm ? "kvm" : "tcg"));
        return new VmProcess("qemu", process, boot.consoleLog(), boot.vmmLog());
    }
}
