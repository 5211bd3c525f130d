package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.variables;
import static io.vmdesk.config.ConfigTesting.writeDotEnv;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One restart should reveal every mistake, not one per attempt. */
class MultipleProblemsTest {

    @Test
    void all_problems_are_reported_at_once_one_per_line(@TempDir Path dir) throws Exception {
        Path file = writeDotEnv(dir, "VM_IP_POOL_START=192.168.100.2", "this line is wrong");

        ConfigException e = failure(Map.of(
                "PORT", "99999",
                "SESSION_MAX_LIFETIME", "forever",
                "GUEST_DRIVER", "lxc",
                "BRIDGE_IP", "10.0.0.1"), file);

        assertThat(variables(e)).containsExactlyInAnyOrder(file.toString(), "VM_IP_POOL_START", "PORT",
                "GUEST_DRIVER", "SESSION_MAX_LIFETIME", "BRIDGE_IP");
        assertThat(e.getMessage().lines()).hasSize(e.problems().size());
        assertThat(e.getMessage().lines()).allSatisfy(line -> assertThat(line).contains(". Fix: "));
    }
}
