package io.vmdesk.e2e;

import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every host resource one isolated controller's sessions can hold, listed from the host and the store (not from the
 * controller's API): the vmd… interfaces of its namespace, its guest network namespaces, the address leases, open
 * ledger entries, the session directories, the processes running as one of its guests' users, and Chromium's
 * singleton directories those users left in /tmp. {@link #ownedOnlyBy} says what of it no live session owns.
 */
record HostResources(Set<String> interfaces, Set<String> namespaces, Map<String, String> leases,
        Set<String> ledgerOwners, Set<String> directories, Map<Long, Integer> guestProcesses, Set<String> tmpDirs,
        Map<String, SessionRow> rows) {
    private static final Pattern UID = Pattern.compile("(?m)^Uid:\\s+(\\d+)");

    static HostResources of(ControllerProcess controller) throws IOException {
        String tag = Naming.instanceTag(controller.dataDir);
        int base = uidBase(tag);
        Map<String, String> leases = new TreeMap<>();
        Set<String> ledgerOwners = new TreeSet<>();
        Map<String, SessionRow> rows = new TreeMap<>();
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            store.leases().all().forEach((id, address) -> leases.put(id, address.toString()));
            store.ledger().allOpen().stream().map(LedgerEntry::sessionId).forEach(ledgerOwners::add);
            store.sessions().list(null, null).forEach(r -> rows.put(r.id(), r));
        }
        Set<String> directories = new TreeSet<>();
        Path sessions = controller.dataDir.resolve("sessions");
        if (Files.isDirectory(sessions)) {
            try (Stream<Path> list = Files.list(sessions)) {
                list.forEach(p -> directories.add(p.getFileName().toString()));
            }
        }
        Map<Long, Integer> processes = new TreeMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    Matcher m = UID.matcher(Files.readString(p.resolve("status")));
                    if (m.find()) {
                        long uid = Long.parseLong(m.group(1));
                        if (uid >= base && uid < base + 65_536L) {
                            processes.put(Long.parseLong(p.getFileName().toString()), (int) uid);
                        }
                    }
                } catch (IOException gone) {
                    // ended while we looked
                }
            }
        }
        Set<String> tmpDirs = new TreeSet<>();
        try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
            for (Path p : tmp.filter(p -> p.getFileName().toString().startsWith("org.chromium.Chromium.")).toList()) {
                try {
                    int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    if (uid >= base && uid < base + 65_536) {
                        tmpDirs.add(p + " uid=" + uid);
                    }
                } catch (IOException gone) {
                    // removed while we looked
                }
            }
        }
        return new HostResources(new TreeSet<>(controller.links(Naming.INTERFACE_PREFIX)),
                new TreeSet<>(controller.guestNamespaces()), leases, ledgerOwners, directories, processes, tmpDirs, rows);
    }

    /** The first guest user id of a controller (NetnsGuestDriver.guestUid: namespace prefix, then the address). */
    static int uidBase(String instanceTag) {
        String prefix = Naming.namespacePrefix(instanceTag);
        prefix = prefix.substring(0, prefix.length() - 1);
        return 1_000_000 + Math.floorMod(prefix.hashCode(), 1000) * 65_536;
    }

    /** The user a session's guest processes run as. */
    static int uidOf(String instanceTag, String address) {
        return uidBase(instanceTag) + (Ipv4Address.parse(address).bits() & 0xffff);
    }

    /** Rows in STARTING, READY or ENDING. */
    List<SessionRow> nonFinal() {
        return rows.values().stream().filter(r -> Set.of("STARTING", "READY", "ENDING").contains(r.status())).toList();
    }

    /**
     * What no session in {@code owners} owns: one line per resource, empty when everything here belongs to one of
     * them.
     */
    List<String> ownedOnlyBy(String instanceTag, Set<String> owners) {
        Set<String> ifs = owners.stream().map(Naming::interfaceName).collect(Collectors.toSet());
        Set<String> nss = owners.stream().map(id -> Naming.namespaceName(instanceTag, id)).collect(Collectors.toSet());
        Set<Integer> uids = owners.stream().map(rows::get).filter(r -> r != null && r.browserIp() != null)
                .map(r -> uidOf(instanceTag, r.browserIp())).collect(Collectors.toSet());
        List<String> unowned = new ArrayList<>();
        interfaces.stream().filter(i -> !ifs.contains(i)).forEach(i -> unowned.add("interface " + i));
        namespaces.stream().filter(n -> !nss.contains(n)).forEach(n -> unowned.add("netns " + n));
        leases.forEach((id, a) -> {
            if (!owners.contains(id)) {
                unowned.add("lease " + a + " of " + id);
            }
        });
        ledgerOwners.stream().filter(id -> !owners.contains(id)).forEach(id -> unowned.add("open ledger entries of " + id));
        directories.stream().filter(d -> !owners.contains(d)).forEach(d -> unowned.add("directory sessions/" + d));
        guestProcesses.forEach((pid, uid) -> {
            if (!uids.contains(uid)) {
                unowned.add("process " + pid + " uid=" + uid + " " + cmdline(pid));
            }
        });
        tmpDirs.stream().filter(t -> uids.stream().noneMatch(u -> t.endsWith(" uid=" + u)))
                .forEach(t -> unowned.add("tmp " + t));
        return unowned;
    }

    /** Processes running as the guest user of the session at this address. */
    List<Long> processesOf(String instanceTag, String address) {
        int uid = uidOf(instanceTag, address);
        return guestProcesses.entrySet().stream().filter(e -> e.getValue() == uid).map(Map.Entry::getKey).toList();
    }

    static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ').strip();
        } catch (IOException gone) {
            return "(gone)";
        }
    }
}
