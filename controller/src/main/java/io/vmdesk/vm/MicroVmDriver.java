package io.vmdesk.vm;

import io.vmdesk.guest.GuestDriver;
import io.vmdesk.guest.GuestException;
import io.vmdesk.guest.GuestHandle;
import io.vmdesk.guest.GuestSpec;
import io.vmdesk.guest.Ledger;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import io.vmdesk.net.BootArgs;
import io.vmdesk.net.SlotNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest driver of both VM monitors. It owns what QEMU and Firecracker guests share: the TAP on the bridge, the
 * guest directory {@code DATA_DIR/vms/<id>/} (console log, the VMM's files, the guest's copy of the root filesystem),
 * the kernel command line and the removal of all of it; the {@link Vmm} only starts and stops its process.
 */
public final class MicroVmDriver implements GuestDriver {
    private static final Logger log = LoggerFactory.getLogger(MicroVmDriver.class);
    private static final Duration CMD_TIMEOUT = Duration.ofMinutes(2);
    /** How long a VMM gets to stop its guest after a graceful request, and then after SIGTERM. */
    static final Duration STOP_GRACE = Duration.ofSeconds(3);
    public static final String VMS_DIR = "vms";

    private final HostCommands cmd;
    private final Path dataDir;
    private final VmImage image;
    private final Vmm vmm;
    private final TapDevice taps;
    /** NETWORK_TOPOLOGY=slot: the TAP and the VMM live in the guest's slot namespace (see {@link SlotNetwork}). */
    private final boolean slot;

    public MicroVmDriver(HostCommands cmd, Path dataDir, VmImage image, Vmm vmm) {
        this(cmd, dataDir, image, vmm, false);
    }

    public MicroVmDriver(HostCommands cmd, Path dataDir, VmImage image, Vmm vmm, boolean slot) {
        this.cmd = cmd;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.image = image;
        this.vmm = vmm;
        this.taps = new TapDevice(cmd);
        this.slot = slot;
    }

    @Override
    public String name() {
        return vmm.name();
    }

    /** Programs and files this host lacks for the driver, each with its fix. */
    public List<String> missing() {
        List<String> missing = new java.util.ArrayList<>(vmm.missingPrograms());
        for (Path file : new Path[] {image.kernel(), image.initrd(), image.rootfs()}) {
            if (file != null && !Files.isReadable(file)) {
                missing.add(file + " (KERNEL_IMAGE/INITRD/ROOTFS_IMAGE) is not a readable file; build the test guest with"
                        + " `./vmdesk image build test-guest`");
            }
        }
        return missing;
    }

    Path guestDir(String sessionId) {
        return dataDir.resolve(VMS_DIR).resolve(sessionId);
    }

    @Override
    public void wireNetwork(GuestSpec spec, Ledger ledger) throws GuestException {
        if (slot) {
            try {
                SlotNetwork slots = new SlotNetwork(cmd);
                slots.create(spec, spec.namespace(), ledger);
                slots.createTap(spec.namespace());
            } catch (RuntimeException e) {
                throw new GuestException("slot", e.getMessage(), e);
            }
            log.info("session={} wired: {} routed via {} to slot {} (guest {} {} on {})", spec.sessionId(),
                    spec.address(), spec.hostInterface(), spec.namespace(), SlotNetwork.GUEST, SlotNetwork.GUEST_MAC,
                    SlotNetwork.INNER_DEVICE);
            return;
        }
        try {
            taps.create(spec.hostInterface(), spec.bridgeDevice(), spec.sessionId(), ledger, spec.mac(), spec.address());
        } catch (RuntimeException e) {
            throw new GuestException("tap", e.getMessage(), e);
        }
        log.info("session={} wired: {} {} via TAP {} on {}", spec.sessionId(), spec.address(), spec.mac(),
                spec.hostInterface(), spec.bridgeDevice());
    }

    @Override
    public void prepare(GuestSpec spec, Ledger ledger) throws GuestException {
        Path dir = guestDir(spec.sessionId());
        try {
            Files.createDirectories(dir.getParent());
            ledger.record("directory", dir.toString(), "VM directory of session " + spec.sessionId());
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new GuestException("vm directory", "cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (image.rootfs() != null) {
            // Copy-on-write where the file system can (XFS, Btrfs: reflink), otherwise a sparse copy: each guest
            // writes to its own root, the golden image stays untouched.
            Path copy = dir.resolve("rootfs.ext4");
            var r = cmd.run(CMD_TIMEOUT, "cp", "--reflink=auto", "--sparse=always", image.rootfs().toString(),
                    copy.toString());
            if (!r.ok()) {
                throw new GuestException("rootfs copy", "cp " + image.rootfs() + " " + copy + ": " + r.stderr().strip(),
                        null);
            }
        }
    }

    @Override
    public GuestHandle start(GuestSpec spec, Ledger ledger, Duration within) throws GuestException {
        Path dir = guestDir(spec.sessionId());
        // In a slot the guest sees the same inner addressing whatever its pool address.
        GuestSpec guest = slot ? SlotNetwork.inside(spec) : spec;
        String args;
        try {
            args = BootArgs.commandLine(guest.address(), guest.gateway(), guest.network(), image.extraArgs());
        } catch (IllegalArgumentException e) {
            throw new GuestException("boot args", e.getMessage(), e);
        }
        Path rootfs = image.rootfs() == null ? null : dir.resolve("rootfs.ext4");
        VmBoot boot = new VmBoot(guest, image, dir, guest.hostInterface(), args, rootfs,
                slot ? spec.namespace() : null);
        VmProcess process = vmm.boot(boot, ledger, within);
        log.info("session={} {} started pid={} console={}", spec.sessionId(), vmm.name(), process.pid(),
                boot.consoleLog());
        return process;
    }

    // ---------------------------------------------------------------------------------------------- removal

    @Override
    public void remove(String kind, String name, String detail) {
        switch (kind) {
            case "process" -> stopProcess(name, detail);
            case "interface" -> taps.remove(name);
            case "directory" -> deleteDirectory(name);
            // the sandbox's kind, met when the driver changed between a crash and this start
            case "netns" -> new io.vmdesk.net.Namespaces(cmd).delete(name);
            default -> throw new IllegalArgumentException("the " + vmm.name() + " driver has no resources of kind '"
                    + kind + "' (" + name + ")");
        }
    }

    /** Graceful request first (Firecracker: Ctrl-Alt-Del), then SIGTERM, then SIGKILL; never another pid's owner. */
    private void stopProcess(String name, String detail) {
        OptionalLong pid = Processes.pidOf(detail);
        OptionalLong start = Processes.startOf(detail);
        if (pid.isEmpty() || start.isEmpty()) {
            return; // never started, or died before its pid was recorded
        }
        Optional<ProcessHandle> process = Processes.find(pid.getAsLong(), start.getAsLong());
        if (process.isEmpty()) {
            return;
        }
        vmm.requestStop(name, detail);
        try {
            process.get().onExit().get(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // still running: terminate below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            List<ProcessHandle> left = Processes.terminate(List.of(process.get()), STOP_GRACE);
            if (!left.isEmpty()) {
                throw new IllegalStateException(name + " (pid " + pid.getAsLong() + ") survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + name, e);
        }
    }

    /** Deletes a guest directory; only one directly below a {@code vms} (or the sandbox's {@code sessions}) dir. */
    private static void deleteDirectory(String name) {
        Path dir = Path.of(name).toAbsolutePath().normalize();
        Path parent = dir.getParent();
        if (parent == null || parent.getFileName() == null
                || !List.of(VMS_DIR, "sessions").contains(parent.getFileName().toString())) {
            throw new IllegalArgumentException("refusing to delete " + dir + ": not a guest directory below vms/");
        }
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not delete the VM directory " + dir + ": " + e, e);
        }
    }
}
