package io.vmdesk.vm;

import io.vmdesk.guest.GuestHandle;
import io.vmdesk.guest.LogTail;
import java.nio.file.Path;
import java.util.Optional;

/** A running VMM: the guest is lost when it exits; its console is the guest's log. */
public final class VmProcess implements GuestHandle {
    private final String vmm;
    private final Process process;
    private final Path console;
    private final Path vmmLog;

    public VmProcess(String vmm, Process process, Path console, Path vmmLog) {
        this.vmm = vmm;
        this.process = process;
        this.console = console;
        this.vmmLog = vmmLog;
    }

    @Override
    public Optional<String> failure() {
        if (process.isAlive()) {
            return Optional.empty();
        }
        int code = process.exitValue();
        String signal = code > 128 && code < 160 ? " (killed by signal " + (code - 128) + ")" : "";
        String last = LogTail.of(vmmLog, 1).stream().findFirst().orElse("");
        return Optional.of(vmm + " exited with code " + code + signal + (last.isBlank() ? "" : ": " + last));
    }

    /** The guest's console (its kernel and init messages) and the VMM's own output. */
    @Override
    public String logTail(int maxLines) {
        StringBuilder out = new StringBuilder();
        for (Path log : new Path[] {console, vmmLog}) {
            out.append("--- ").append(log).append(" (last ").append(maxLines).append(" lines) ---\n");
            LogTail.of(log, maxLines).forEach(line -> out.append(line).append('\n'));
        }
        return out.toString();
    }

    public long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }
}
