package io.vmdesk.readiness;

import io.vmdesk.net.Ipv4Address;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Proves a guest reachable from the host side: TCP to its VNC port and a valid RFB protocol banner. Only this makes a
 * session READY. On timeout it reports the last thing that went wrong, refined with the neighbour table so that "ARP
 * incomplete" is told apart from a dropped SYN.
 */
public final class RfbReadiness {
    /** RFB 3.3, 3.7 and 3.8 banners: "RFB 003.008\n". */
    private static final Pattern BANNER = Pattern.compile("RFB 003\\.00[0-9]\n");
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);
    private static final Duration PROBE_RESERVE = Duration.ofSeconds(4);

    private final Function<Ipv4Address, Optional<String>> neighbourState;
    /**
     * Bridge topology: the host's neighbour entry for the address is the guest itself. In the slot topology it is
     * the slot's end of the veth pair, which always answers; "unreachable" then comes from the slot (its ARP for the
     * guest failed, e.g. while the guest still boots) and says nothing about a lost address seen from here.
     */
    private final boolean neighbourIsGuest;

    /** @param neighbourState looks up the neighbour (ARP) state of an address on the bridge, empty if none */
    public RfbReadiness(Function<Ipv4Address, Optional<String>> neighbourState) {
        this(neighbourState, true);
    }

    public RfbReadiness(Function<Ipv4Address, Optional<String>> neighbourState, boolean neighbourIsGuest) {
        this.neighbourState = neighbourState;
        this.neighbourIsGuest = neighbourIsGuest;
    }

    /**
     * Waits until the guest answers with an RFB banner.
     *
     * @param guestFailure tells whether a guest process has died (ends the wait early, as Testcontainers does)
     * @return the banner read
     */
    public String waitUntilReady(Ipv4Address address, int port, Duration timeout, Supplier<Optional<String>> guestFailure)
            throws ReadinessException, InterruptedException {
        Instant started = Instant.now();
        // the final neighbour probe takes up to ~4 s; it happens inside the bound, not after it
        Duration reserve = timeout.dividedBy(4).compareTo(PROBE_RESERVE) < 0 ? timeout.dividedBy(4) : PROBE_RESERVE;
        Instant deadline = started.plus(timeout).minus(reserve);
        ReadinessException last = new ReadinessException(ReadinessFailure.TCP_TIMEOUT, "no attempt finished in " + timeout);
        String answered = null; // the first sign that the guest was on the wire: it then held its address
        while (true) {
            Optional<String> died = guestFailure.get();
            if (died.isPresent()) {
                throw new ReadinessException(ReadinessFailure.GUEST_EXITED, died.get());
            }
            try {
                return probeOnce(address, port);
            } catch (ReadinessException e) {
                last = e;
                if (answered == null && neighbourIsGuest) {
                    String at = " at +" + Duration.between(started, Instant.now()).toMillis() + "ms";
                    answered = ArpCache.answered(address).map(mac -> "ARP answer from " + mac + at).orElse(null);
                }
                if (answered == null && (e.failure() == ReadinessFailure.TCP_REFUSED
                        || e.failure() == ReadinessFailure.BAD_BANNER)) {
                    answered = e.failure().label() + " at +" + Duration.between(started, Instant.now()).toMillis() + "ms";
                }
            }
            if (answered != null && last.failure() == ReadinessFailure.HOST_UNREACHABLE) {
                // It answered ARP before and now the kernel's resolution failed: waiting longer only hides the fault.
                ReadinessException lost = refine(last, address, answered);
                if (lost.failure() == ReadinessFailure.ARP_LOST) {
                    throw lost;
                }
            }
            if (Instant.now().plus(RETRY_PAUSE).isAfter(deadline)) {
                throw refine(last, address, answered);
            }
            Thread.sleep(RETRY_PAUSE.toMillis());
        }
    }

    /** One attempt: connect, read the 12-byte banner, close. */
    public String probeOnce(Ipv4Address address, int port) throws ReadinessException {
        String target = address + ":" + port;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(address.toString(), port), (int) ATTEMPT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) (ATTEMPT_TIMEOUT.toMillis() * 2));
            String banner = readBanner(socket.getInputStream());
            if (!BANNER.matcher(banner).matches()) {
                throw new ReadinessException(ReadinessFailure.BAD_BANNER,
                        target + " answered " + printable(banner) + " instead of an RFB banner like \"RFB 003.008\"");
            }
            return banner.trim();
        } catch (ConnectException e) {
            throw new ReadinessException(ReadinessFailure.TCP_REFUSED, target + " refused the connection");
        } catch (NoRouteToHostException e) {
            throw new ReadinessException(ReadinessFailure.HOST_UNREACHABLE, target + ": " + e.getMessage());
        } catch (SocketTimeoutException e) {
            throw new ReadinessException(ReadinessFailure.TCP_TIMEOUT, target + ": " + e.getMessage());
        } catch (IOException e) {
            throw new ReadinessException(ReadinessFailure.TCP_TIMEOUT, target + ": " + e);
        }
    }

    private static String readBanner(InputStream in) throws IOException {
        byte[] buffer = new byte[12];
        int read = 0;
        while (read < buffer.length) {
            int n;
            try {
                n = in.read(buffer, read, buffer.length - read);
            } catch (SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            read += n;
        }
        return new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
    }

    /**
     * A timeout with no neighbour entry is an ARP problem, not a TCP one: say so, and say whether the guest had
     * answered before (then it lost its address) or never did.
     */
    private ReadinessException refine(ReadinessException last, Ipv4Address address, String answered) {
        if (last.failure() != ReadinessFailure.TCP_TIMEOUT && last.failure() != ReadinessFailure.HOST_UNREACHABLE) {
            return last;
        }
        if (!neighbourIsGuest) {
            return last.failure() == ReadinessFailure.HOST_UNREACHABLE
                    ? new ReadinessException(ReadinessFailure.HOST_UNREACHABLE, last.getMessage() + " (the guest's slot"
                            + " could not reach it: it does not answer ARP for its inner address on its TAP/veth"
                            + (answered != null ? ", although it answered before (" + answered + ")" : "") + ")")
                    : last;
        }
        Optional<String> state = neighbourState.apply(address);
        if (state.isEmpty() || state.get().equals("INCOMPLETE") || state.get().equals("FAILED")) {
            if (answered != null) {
                return new ReadinessException(ReadinessFailure.ARP_LOST, address + " no longer answers ARP on the bridge"
                        + " (neighbour state " + state.orElse("absent") + ") although the guest answered before ("
                        + answered + "): something in the guest removed its address, e.g. a network manager undoing"
                        + " the kernel's ip= setting; last attempt: " + last.getMessage());
            }
            return new ReadinessException(ReadinessFailure.NO_NEIGHBOUR, "no ARP answer from " + address
                    + " (neighbour state " + state.orElse("absent") + "); last attempt: " + last.getMessage());
        }
        return last;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            out.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return out.append('"').toString();
    }
}
