package io.vmdesk.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VncTunnelTest {

    @Test
    void keysPointerAndClipboardAreInputWhileUpdateRequestsAndFormatsAreNot() {
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {4, 1, 0, 0, 0, 0, 0, 0x61}))).isTrue();
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {5, 1, 0, 10, 0, 10}))).isTrue();
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {6, 0, 0, 0, 0, 0, 0, 0}))).isTrue();
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {3, 0, 0, 0, 0, 0, 0, 16, 0, 16}))).isFalse();
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {0, 0, 0, 0}))).isFalse();
        assertThat(VncTunnel.isInput(ByteBuffer.wrap(new byte[] {2, 0, 0, 1, 0, 0, 0, 0}))).isFalse();
        assertThat(VncTunnel.isInput(ByteBuffer.allocate(0))).isFalse();
    }

    @Test
    void closeReasonsFitACloseFrameAndAreNotRepeated() {
        assertThat(CloseCode.LIFETIME_OVER.reasonWith("lifetime-over")).isEqualTo("lifetime-over");
        assertThat(CloseCode.NORMAL.reasonWith("deleted")).isEqualTo("session-ended: deleted");
        assertThat(CloseCode.GUEST_UNREACHABLE.reasonWith("x".repeat(500)).getBytes()).hasSizeLessThanOrEqualTo(123);
        for (CloseCode code : CloseCode.values()) {
            assertThat(code.code()).isNotIn(1005, 1006, 1015);
            assertThat(CloseCode.of(code.code()).code()).isEqualTo(code.code());
        }
    }
}
