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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Firecracker: one process per guest, configured over its API socket in {@code DATA_DIR/vms/<id>/} (with its log,
 * metrics file and the guest's serial console). A refused call ends the start with Firecracker's fault message;
 * stopping asks the guest to reboot (Ctrl-Alt-Del, which ends Firecracker with {@code reboot=k}), and the driver
 * kills it after a bound.
 */
public final class FirecrackerVmm implements Vmm {
    private static final Logger log = LoggerFactory.getLogger(FirecrackerVmm.class);
    /** Firecracker's API socket is up within milliseconds (its spec: 8 CPU ms); this only bounds a broken start. */
    private static final Duration SOCKET_WAIT = Duration.ofSeconds(10);
    private static final Pattern API = Pattern.compile("(?:^|\\s)api=(\\S+)");

    private final HostCommands cmd;
    private final String firecrackerBin;
    private final String jailerBin;

    public FirecrackerVmm(HostCommands cmd, String firecrackerBin, String jailerBin) {
        this.cmd = cmd;
        this.firecrackerBin = firecrackerBin;
        this.jailerBin = jailerBin;
    }

    @Override
    public String name() {
        return "firecracker";
    }

    @Override
    public List<String> missingPrograms() {
        List<String> missing = new java.util.ArrayList<>();
        if (!Programs.onPath(firecrackerBin)) {
            missing.add(firecrackerBin + " (FIRECRACKER_BIN) was not found: install a Firecracker release binary"
                    + " (github.com/firecracker-microvm/firecracker/releases) and point FIRECRACKER_BIN at it");
        }
        if (jailerBin != null) {
            missing.add("JAILER_BIN is set, but running Firecracker under the jailer is not implemented yet: unset it");
        }
        if (!Files.isReadable(Path.of("/dev/kvm")) || !Files.isWritable(Path.of("/dev/kvm"))) {
            missing.add("/dev/kvm is missing or not read-writable: Firecracker needs KVM (use GUEST_DRIVER=qemu here)");
        }
        return missing;
    }

    static Path apiSocket(Path dir) {
        return dir.resolve("firecracker.sock");
    }

    @Override
    public VmProcess boot(VmBoot boot, Ledger ledger, Duration within) throws GuestException {
        Path socket = apiSocket(boot.dir());
        try {
            Files.deleteIfExists(socket);
            // Firecracker appends to these; it does not create them
            Files.write(FirecrackerSetup.logFile(boot), new byte[0]);
            Files.write(FirecrackerSetup.metricsFile(boot), new byte[0]);
        } catch (IOException e) {
            throw new GuestException("firecracker.files", e.getMessage(), e);
        }
        List<String> argv = cmd.wrap(boot.inNamespace(List.of(firecrackerBin, "--api-sock", socket.toString(),
                "--id", "vmdesk-" + boot.spec().sessionId().replace("-", "").substring(0, 12))));
        long entry = ledger.record("process", "firecracker", "not started yet api=" + socket);
        Process process;
        try {
            process = new ProcessBuilder(argv).directory(boot.dir().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    // the guest's serial console is Firecracker's stdout
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(boot.consoleLog().toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(boot.vmmLog().toFile()))
                    .start();
        } catch (IOException e) {
            throw new GuestException("firecracker.start", "could not run " + firecrackerBin + ": " + e.getMessage(), e);
        }
        ledger.updateDetail(entry, Processes.identity(process.toHandle()) + " api=" + socket);
        VmProcess vm = new VmProcess("firecracker", process, boot.consoleLog(), boot.vmmLog());
        awaitSocket(vm, socket, within.compareTo(SOCKET_WAIT) < 0 ? within : SOCKET_WAIT);
        configure(new FirecrackerApi(socket), boot);
        return vm;
    }

    /** Sends every call in order; the first refusal names the call and carries Firecracker's fault message. */
    static void configure(FirecrackerApi api, VmBoot boot) throws GuestException {
        for (FirecrackerApi.Call call : FirecrackerSetup.calls(boot)) {
            try {
                api.send(call);
            } catch (FirecrackerApi.Refused e) {
                throw new GuestException("firecracker.configure", "Firecracker refused " + call + " (" + e.status()
                        + "): " + e.faultMessage(), e);
            } catch (IOException e) {
                throw new GuestException("firecracker.configure", call + ": " + e.getMessage(), e);
            }
        }
    }

    private static void awaitSocket(VmProcess vm, Path socket, Duration bound) throws GuestException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!Files.exists(socket)) {
            if (vm.failure().isPresent()) {
                throw new GuestException("firecracker.start", vm.failure().get(), null);
            }
            if (System.nanoTime() > deadline) {
                throw new GuestException("firecracker.start", "API socket " + socket + " did not appear within "
                        + bound, null);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestException("firecracker.start", "interrupted", e);
            }
        }
    }

    @Override
    public void requestStop(String name, String detail) {
        Matcher m = API.matcher(detail == null ? "" : detail);
        if (!m.find() || !Files.exists(Path.of(m.group(1)))) {
            return;
        }
        try {
            new FirecrackerApi(Path.of(m.group(1))).send(FirecrackerSetup.ctrlAltDel());
        } catch (IOException e) {
            log.debug("SendCtrlAltDel to {} failed ({}); it will be killed", name, e.getMessage());
        }
    }
}
