package io.vmdesk.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The false-positive test: a healthy host with a live, reachable guest yields no fail and no warn. */
class DoctorHealthyHostTest {
    @TempDir
    Path temp;

    @Test
    void aHealthyHostWithALiveGuestHasNoFailAndNoWarn() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest guest = lab.start();
            Report report = lab.examine();
            assertThat(report.problems()).as(report.toText(true)).isEmpty();
            assertThat(report.checks()).extracting(Check::id).contains("config.variables", "bridge.address",
                    "bridge.stp", "guest-interface.link", "l2.identity", "netfilter.bridge-forward",
                    "routing.guest-route", "neighbour.gc-thresh", "guest.reach", "guest.log", "leftover.none");
            assertThat(report.checks()).filteredOn(c -> c.id().equals("guest.reach")).singleElement()
                    .satisfies(c -> assertThat(c.evidence()).contains("RFB 003.00").contains(guest.address().toString()));
            assertThat(report.toJson()).containsKeys("checks", "summary");
        }
    }
}
