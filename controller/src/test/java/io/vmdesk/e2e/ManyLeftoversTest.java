package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Naming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hundreds of leftovers (namespaces of this instance with a veth each, as a crashed controller with many guests leaves
 * them): the restarted controller removes them all, in parallel, before its port opens. Prints the time it took.
 */
@Timeout(600)
class ManyLeftoversTest {
    static final int LEFTOVERS = Integer.getInteger("vmdesk.leftovers", 300);
    private static final Duration T = Duration.ofSeconds(120);

    @Test
    void aRestartRemovesHundredsOfLeftoversBeforeItsPortOpens() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            controller.kill9();
            String prefix = Naming.namespacePrefix(Naming.instanceTag(controller.dataDir));
            List<String> namespaces = new ArrayList<>();
            StringBuilder add = new StringBuilder();
            StringBuilder links = new StringBuilder();
            for (int i = 0; i < LEFTOVERS; i++) {
                String hex = String.format("%012x", 0xabc000000000L + i);
                String ns = prefix + hex;
                namespaces.add(ns);
                add.append("netns add ").append(ns).append('\n');
                links.append("link add vmd").append(hex, 1, 12).append(" type veth peer name eth0 netns ").append(ns)
                        .append('\n');
            }
            HostCommands host = new HostCommands();
            Path batch = Files.writeString(controller.dataDir.resolve("netns.batch"), add);
            host.runChecked(T, "ip", "-batch", batch.toString());
            Files.writeString(batch, links);
            controller.inNamespace.runChecked(T, "ip", "-batch", batch.toString());
            assertThat(controller.guestNamespaces()).hasSize(LEFTOVERS);
            assertThat(controller.links("vmd")).hasSize(LEFTOVERS);

            long t0 = System.nanoTime();
            controller.launch(); // returns once the controller answers on its port
            long untilServing = (System.nanoTime() - t0) / 1_000_000;
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            assertThat(controller.guestNamespaces()).isEmpty();
            assertThat(controller.links("vmd")).isEmpty();
            String log = controller.log();
            Matcher reconciled = Pattern.compile("reconciled in (\\d+) ms: .*?(\\d+) unowned host resource\\(s\\) removed")
                    .matcher(log);
            // the last one: the log holds the first start's too
            assertThat(log.lastIndexOf("reconciled in")).as(log).isNotNegative();
            assertThat(reconciled.find(log.lastIndexOf("reconciled in"))).as(log).isTrue();
            assertThat(Integer.parseInt(reconciled.group(2))).isGreaterThanOrEqualTo(LEFTOVERS);
            // the port opens only after reconciliation: "vmdesk ready" comes after the reconcile line
            assertThat(log.indexOf("vmdesk ready", reconciled.end())).as(log).isPositive();
            System.out.printf("LEFTOVERS %d namespaces with a veth each: reconciled in %s ms, restart to serving %d ms%n",
                    LEFTOVERS, reconciled.group(1), untilServing);
        }
    }
}
