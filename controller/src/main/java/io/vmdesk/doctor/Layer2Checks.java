package io.vmdesk.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * Layer-2 identity: each guest's MAC (as it answers ARP, else as recorded) is a valid unicast address used by no other guest, and each guest address is
 * answered by exactly one MAC (two answers mean two machines claim it, and the host talks to either).
 */
final class Layer2Checks implements CheckFamily {
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    @Override
    public String name() {
        return "l2";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        Map<String, List<String>> byMac = new LinkedHashMap<>();
        Map<GuestTarget, String> macs = new java.util.concurrent.ConcurrentHashMap<>();
        // One ARP probe per guest, all at once: each waits up to a second for a second answer.
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
            exam.guests.forEach(g -> pool.submit(() -> exam.arp(g)));
        }
        exam.guests.forEach(g -> macs.put(g, actualMac(exam, g)));
        for (GuestTarget g : exam.guests) {
            String mac = macs.get(g);
            String problem = invalid(mac);
            if (problem != null) {
                out.add(Check.fail("l2.mac", g.label(), "MAC " + mac + " " + problem,
                        "give the guest a locally administered unicast MAC (vmdesk derives 02:fc:<address octets>);"
                                + (g.namespace() != null ? " ip -n " + g.namespace() + " link set dev eth0 address "
                                + io.vmdesk.net.Naming.macFor(g.address()) : " end the session and start a new one")));
            }
            byMac.computeIfAbsent(mac, m -> new ArrayList<>()).add(g.label());
        }
        byMac.forEach((mac, owners) -> {
            if (owners.size() > 1 && invalid(mac) == null) {
                out.add(Check.fail("l2.mac-duplicate", mac, "MAC " + mac + " is used by " + String.join(" and ", owners)
                                + ": the bridge delivers their frames to whichever spoke last",
                        "give each guest its own MAC (vmdesk derives it from the address: 02:fc:<address octets>); "
                                + "end the sessions and start new ones"));
            }
        });
        for (GuestTarget g : exam.guests) {
            ArpProbe.Answer a = exam.arp(g);
            if (a.macs().size() > 1) {
                out.add(Check.fail("l2.duplicate-address", g.label(), g.address() + " is answered by "
                                + a.macs().size() + " MACs: " + String.join(", ", a.macs()) + " (arping: " + a.raw()
                                + "); the session recorded " + g.mac(),
                        "find the other machine with that address (bridge fdb show | grep -i <mac>) and remove the "
                                + "address from it, or take " + g.address() + " out of IP_POOL_START–IP_POOL_END"));
            }
        }
        if (out.isEmpty()) {
            out.add(Check.ok("l2.identity", exam.guests.size() + " guest(s)", exam.guests.isEmpty()
                    ? "no live guests" : "valid, distinct MACs; each address answered by at most one MAC"));
        }
        return out;
    }

    /**
     * The MAC the guest really uses: the one that answered ARP for its address (exactly one did), else the one the
     * store recorded. Reading it from the ARP answer costs no extra command per guest.
     */
    static String actualMac(Examination exam, GuestTarget g) {
        ArpProbe.Answer answer = exam.arp(g);
        if (answer.macs().size() == 1) {
            return answer.macs().iterator().next();
        }
        return g.mac() == null ? "" : g.mac();
    }

    /** Why a MAC is unusable, or null when it is a valid unicast address. */
    static String invalid(String mac) {
        String m = mac == null ? "" : mac.toLowerCase(java.util.Locale.ROOT);
        if (!MAC.matcher(m).matches()) {
            return "is not a MAC address (six hex octets separated by colons)";
        }
        if (m.equals("00:00:00:00:00:00")) {
            return "is all zeros, which the kernel and bridges treat as invalid";
        }
        int first = Integer.parseInt(m.substring(0, 2), 16);
        if ((first & 1) == 1) {
            return "is a multicast address (lowest bit of the first octet set): no host answers ARP from it";
        }
        return null;
    }
}
