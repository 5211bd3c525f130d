package io.vmdesk.readiness;

/** The step at which the host could not reach the guest's VNC server; each names a different fault. */
public enum ReadinessFailure {
    /** No ARP answer: the guest's address is not on the wire (wrong bridge, wrong address, interface down). */
    NO_NEIGHBOUR("no neighbour entry"),
    /**
     * The guest answered on the wire during the wait (a refusal, a banner) and then stopped answering ARP for its
     * address: something in the guest removed it — the predecessor's fault, a network manager undoing {@code ip=}.
     */
    ARP_LOST("guest stopped answering ARP"),
    /** The guest answers but nothing listens on the VNC port yet (or ever). */
    TCP_REFUSED("TCP refused"),
    /** Neither an answer nor a refusal: packets dropped (firewall, routing, rp_filter). */
    TCP_TIMEOUT("TCP timeout"),
    /** The kernel's ARP resolution for the address failed ("No route to host" on the bridge's own network). */
    HOST_UNREACHABLE("host unreachable"),
    /** Something listens but does not speak RFB. */
    BAD_BANNER("bad banner"),
    /** A guest process died while we waited. */
    GUEST_EXITED("guest exited");

    private final String label;

    ReadinessFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
