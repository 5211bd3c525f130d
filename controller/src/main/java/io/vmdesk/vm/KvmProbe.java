package io.vmdesk.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether QEMU can actually run a guest with KVM here. An openable {@code /dev/kvm} is not enough: on nested hosts it
 * opens and creates VMs, yet {@code -cpu host} aborts on an MSR and the default CPU model never runs a single guest
 * instruction past the firmware. So the probe boots the configured kernel with KVM, without an init, and waits for
 * the kernel to get as far as looking for one.
 * The answer is kept per QEMU binary and kernel for the life of the controller.
 */
final class KvmProbe {
    private static final Logger log = LoggerFactory.getLogger(KvmProbe.class);
    private static final Duration BOUND = Duration.ofSeconds(6);
    /**
     * Printed once the kernel has set up all its built-in drivers, right before it looks for init (well under a
     * second with KVM). Earlier lines are not enough: firmware lines ("Probing EDD") appear where KVM then stalls.
     */
    private static final String KERNEL_BANNER = "Freeing unused kernel";
    private static final ConcurrentHashMap<String, Boolean> answers = new ConcurrentHashMap<>();

    private KvmProbe() {
    }

    static boolean usable(List<String> qemuPrefix, Path kernel) {
        return answers.computeIfAbsent(qemuPrefix + " " + kernel, key -> probe(qemuPrefix, kernel));
    }

    private static boolean probe(List<String> qemuPrefix, Path kernel) {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            log.info("KVM: /dev/kvm is missing or not read-writable: QEMU guests run under TCG (emulation)");
            return false;
        }
        Path console = null;
        Process process = null;
        try {
            console = Files.createTempFile("vmdesk-kvm-probe", ".log");
            List<String> argv = new java.util.ArrayList<>(qemuPrefix);
            argv.addAll(List.of("-M", QemuVmm.MACHINE, "-accel", "kvm", "-m", "160", "-nodefaults", "-no-user-config",
                    "-display", "none", "-no-reboot", "-chardev", "file,id=console,path=" + console,
                    "-serial", "chardev:console", "-kernel", kernel.toString(),
                    "-append", "console=ttyS0 panic=-1 rdinit=/vmdesk-kvm-probe"));
            process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (System.nanoTime() < deadline) {
                boolean exited = !process.isAlive(); // read the console after this: it may hold the last words
                if (Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1).contains(KERNEL_BANNER)) {
                    log.info("KVM: usable, QEMU guests run with -accel kvm");
                    return true;
                }
                if (exited) {
                    break;
                }
                Thread.sleep(50);
            }
            log.info("KVM: /dev/kvm opens but a guest did not run on it within {} ({}): QEMU guests run under TCG",
                    BOUND, process.isAlive() ? "no kernel message on the console" : "QEMU exited with " + process.exitValue());
            return false;
        } catch (IOException e) {
            log.info("KVM: probe could not run ({}): QEMU guests run under TCG", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (console != null) {
                try {
                    Files.deleteIfExists(console);
                } catch (IOException ignored) {
                    // a temp file; nothing depends on it
                }
            }
        }
    }
}
