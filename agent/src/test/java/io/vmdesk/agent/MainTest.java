package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void aMissingBootstrapExitsTwo() {
        assertThat(Main.run(new String[0], Map.of("HOME", "/tmp"), System.err)).isEqualTo(Main.USAGE);
    }

    @Test
    void usage() {
        var buf = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"--help"}, Map.of(), new PrintStream(buf, true))).isZero();
        assertThat(buf.toString()).contains("VMDESK_AGENT_TOKEN", "BROWSER");
        assertThat(Main.run(new String[] {"--bogus"}, Map.of(), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
    }
}
