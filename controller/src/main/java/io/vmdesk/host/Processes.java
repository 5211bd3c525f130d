package io.vmdesk.host;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Killing host processes safely. Every kill goes through a {@link ProcessHandle}, which carries the process start
 * time and refuses to signal a different process that has since reused the pid. Processes are identified in the
 * ledger as {@code pid=<pid> start=<epoch ms>}, see {@link #identity}.
 */
public final class Processes {
    /** How far a recorded start time may differ from the live one (the kernel derives it from the boot time, which a
     *  clock adjustment can move slightly); a pid is not reused within this window in practice. */
    static final long START_TOLERANCE_MS = 1000;
    private static final Pattern PID = Pattern.compile("(?:^|\\s)pid=(\\d+)(?:\\s|$)");
    private static final Pattern START = Pattern.compile("(?:^|\\s)start=(\\d+)(?:\\s|$)");

    private Processes() {
    }

    /** The ledger detail for a running process: {@code pid=<pid> start=<epoch ms of its start>}. */
    public static String identity(ProcessHandle process) {
        return "pid=" + process.pid() + " start=" + startMillis(process).orElse(0);
    }

    public static OptionalLong startMillis(ProcessHandle process) {
        Optional<Instant> start = process.info().startInstant();
        return start.isPresent() ? OptionalLong.of(start.get().toEpochMilli()) : OptionalLong.empty();
    }

    /** Parses {@code pid=…} from a ledger detail. */
    public static OptionalLong pidOf(String detail) {
        return number(PID, detail);
    }

    /** Parses {@code start=…} from a ledger detail. */
    public static OptionalLong startOf(String detail) {
        return number(START, detail);
    }

    private static OptionalLong number(Pattern p, String detail) {
        if (detail == null) {
            return OptionalLong.empty();
        }
        Matcher m = p.matcher(detail);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /**
     * The live process with this pid, only if it is the one that started at {@code startMillis}; empty when it has
     * exited or the pid now belongs to another process.
     */
    public static Optional<ProcessHandle> find(long pid, long startMillis) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return Optional.empty();
        }
        OptionalLong actual = startMillis(handle.get());
        if (actual.isEmpty() || Math.abs(actual.getAsLong() - startMillis) > START_TOLERANCE_MS) {
            return Optional.empty();
        }
        return handle;
    }

    /** A process and everything it has forked (children first collected, so reparented ones are not lost). */
    public static List<ProcessHandle> withDescendants(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        return all;
    }

    /**
     * SIGTERM to every process, SIGKILL to those still alive after {@code grace}, then waits up to {@code grace}
     * again for them to go. Descendants of the given processes that appear meanwhile are included.
     *
     * @return the processes still alive at the end (empty on success)
     */
    public static List<ProcessHandle> terminate(Collection<ProcessHandle> processes, Duration grace)
            throws InterruptedException {
        Map<Long, ProcessHandle> all = new LinkedHashMap<>();
        for (ProcessHandle p : processes) {
            all.putIfAbsent(p.pid(), p);
            p.descendants().forEach(d -> all.putIfAbsent(d.pid(), d));
        }
        all.values().forEach(ProcessHandle::destroy);
        if (!waitGone(all, grace)) {
            for (ProcessHandle p : List.copyOf(all.values())) {
                if (p.isAlive()) {
                    p.descendants().forEach(d -> all.putIfAbsent(d.pid(), d));
                }
            }
            all.values().stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            waitGone(all, grace);
        }
        return all.values().stream().filter(ProcessHandle::isAlive).toList();
    }

    private static boolean waitGone(Map<Long, ProcessHandle> all, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (all.values().stream().noneMatch(ProcessHandle::isAlive)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
    }
}
