package io.vmdesk.doctor;

import static io.vmdesk.doctor.DoctorLab.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.host.TestNamespace;
import io.vmdesk.net.Naming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor --fix} removes only this instance's leftover interfaces. Everything is real and happens inside the
 * lab's private namespace: an operator's own "vmd…" veth, another vmdesk instance's guest (a veth into a namespace
 * named with another DATA_DIR's instance tag), a vmdesk-shaped link nothing ties to this instance, a live guest, and
 * two leftovers of this instance (one its ledger recorded for an ended session, one a veth into one of its stray
 * namespaces). Only the last two are deleted.
 */
class DoctorFixerInterfacesTest {
    @TempDir
    Path temp;

    @Test
    void fixRemovesOnlyThisInstancesLeftoversAndReportsEveryOtherVmdInterface() throws Exception {
        try (DoctorLab lab = DoctorLab.create(Files.createDirectories(temp.resolve("data")), Map.of())) {
            String tag = Naming.instanceTag(lab.config.dataDir());
            // the operator's own veth pair, both ends named vmd…
            lab.sh("ip", "link", "add", "vmdtest0", "type", "veth", "peer", "name", "vmdtest1");
            // another controller (another DATA_DIR) with a live guest on this host
            String otherTag = Naming.instanceTag(temp.resolve("other-data"));
            assertThat(otherTag).isNotEqualTo(tag);
            String otherHex = TestNamespace.randomHex(6);
            String otherNs = lab.ns.track(Naming.namespacePrefix(otherTag) + otherHex);
            String otherLink = "vmd" + otherHex.substring(0, 11);
            lab.sh("ip", "netns", "add", otherNs);
            lab.sh("ip", "link", "add", otherLink, "type", "veth", "peer", "name", "eth0", "netns", otherNs);
            // vmdesk-shaped, but no ledger entry and no namespace says whose (a TAP of another controller, say)
            lab.sh("ip", "link", "add", "vmd0000000000b", "type", "bridge");
            // a live guest of this instance
            DoctorLab.Guest live = lab.wire(true);
            // this instance's leftovers: a guest whose session ended but whose teardown never ran (ledger open) …
            DoctorLab.Guest ended = lab.wire(true);
            lab.store.sessions().finish(ended.id(), "ENDED", "deleted", null, Instant.now());
            // … and a veth into a stray namespace of this instance that the ledger no longer knows
            String strayHex = TestNamespace.randomHex(6);
            String strayNs = lab.ns.track(Naming.namespacePrefix(tag) + strayHex);
            String strayLink = "vmd" + strayHex.substring(0, 11);
            lab.sh("ip", "netns", "add", strayNs);
            lab.sh("ip", "link", "add", strayLink, "type", "veth", "peer", "name", "eth0", "netns", strayNs);

            Report report = lab.examine();
            assertThat(problems(report, "leftover.interface")).extracting(Check::target)
                    .containsExactlyInAnyOrder(ended.hostInterface(), strayLink);
            List<Check> foreign = problems(report, "leftover.foreign-interface");
            assertThat(foreign).extracting(Check::target)
                    .containsExactlyInAnyOrder("vmdtest0", "vmdtest1", otherLink, "vmd0000000000b");
            for (Check c : foreign) {
                assertThat(c.evidence()).contains(c.target() + " is not this instance's (instance tag " + tag + ")");
                assertThat(c.fix()).contains("ip link del " + c.target());
            }
            Check other = foreign.stream().filter(c -> c.target().equals(otherLink)).findFirst().orElseThrow();
            assertThat(other.evidence()).contains(otherNs).contains("instance tag " + otherTag);
            assertThat(foreign.stream().filter(c -> c.target().equals("vmdtest0")).findFirst().orElseThrow()
                    .evidence()).contains("not named like a vmdesk interface");

            List<String> changes = new DoctorFixer(lab.cmd, lab.config, lab.store).apply(report);
            System.out.println(String.join("\n", changes));
            String all = String.join("\n", changes);
            assertThat(all).contains("deleted leftover interface " + ended.hostInterface())
                    .contains("deleted leftover interface " + strayLink)
                    .contains("left interface vmdtest0 alone").contains("left interface " + otherLink + " alone");

            for (String survivor : List.of("vmdtest0", "vmdtest1", otherLink, "vmd0000000000b", live.hostInterface())) {
                assertThat(lab.cmd.run(DoctorLab.T, "ip", "link", "show", "dev", survivor).ok())
                        .as("%s survives --fix", survivor).isTrue();
            }
            for (String gone : List.of(ended.hostInterface(), strayLink)) {
                assertThat(lab.cmd.run(DoctorLab.T, "ip", "link", "show", "dev", gone).ok())
                        .as("%s is removed by --fix", gone).isFalse();
            }
            // the other instance's guest still has its end of the pair
            assertThat(lab.sh("ip", "-n", otherNs, "link", "show", "dev", "eth0")).contains("eth0");

            Report after = lab.examine();
            assertThat(problems(after, "leftover.interface")).isEmpty();
            assertThat(problems(after, "leftover.foreign-interface")).hasSize(4);
        }
    }
}
