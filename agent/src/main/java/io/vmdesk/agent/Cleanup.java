package io.vmdesk.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the agent must destroy before it exits: the harvest files (whoever wrote them), the files it wrote
 * itself, the directories it created (removed if empty) and its private work directories.
 */
final class Cleanup {
    private final Set<Path> files = new LinkedHashSet<>();
    private final List<Path> createdDirs = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private Process process;
    private boolean done;

    synchronized void file(Path file) {
        files.add(file);
    }

    /** The list {@link SecureFiles#writePrivate} appends the directories it created to. */
    List<Path> createdDirs() {
        return createdDirs;
    }

    synchronized void workDir(Path dir) {
        workDirs.add(dir);
    }

    /** The login command, killed (with what it started) if the agent is stopped before it could end it. */
    synchronized void process(Process p) {
        process = p;
    }

    synchronized boolean pending() {
        return !done;
    }

    /**
     * Wipes everything, once; returns false if anything could not be wiped (logged by path, never by content).
     * Also runs from the agent's shutdown hook, so a SIGTERM mid-login still destroys what was harvested.
     */
    synchronized boolean wipeAll() {
        if (done) {
            return true;
        }
        done = true;
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        boolean ok = true;
        int wiped = 0;
        for (Path f : files) {
            try {
                if (SecureFiles.wipe(f)) {
                    wiped++;
                }
            } catch (IOException e) {
                ok = false;
                Log.error("could not wipe " + f + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        for (Path d : workDirs) {
            try {
                SecureFiles.wipeTree(d);
            } catch (IOException e) {
                ok = false;
                Log.error("could not wipe work directory " + d + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        List<Path> dirs = new ArrayList<>(createdDirs);
        dirs.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // not empty: something else put files there, which are not ours to delete
            }
        }
        Log.info("wiped " + wiped + " credential file(s)" + (ok ? "" : " with errors"));
        return ok;
    }
}
