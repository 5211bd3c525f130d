package io.vmdesk.proxy;

import java.time.Duration;

/**
 * What one viewer may cost the proxy: at most {@code bufferBytes} of guest output held for it (LIVE_VIEW_BUFFER),
 * and at most {@code stallTimeout} spent waiting for it to take them (LIVE_VIEW_STALL_TIMEOUT) before it is closed.
 */
public record RelayLimits(int bufferBytes, Duration stallTimeout) {
    public static final RelayLimits DEFAULT = new RelayLimits(256 * 1024, Duration.ofSeconds(10));
}
