package io.vmdesk.net;

/**
 * An IPv4 network in CIDR form. Netmask, gateway candidates and broadcast all derive from here, never from a
 * hard-coded mask (the predecessor's 255.255.255.0 was one of its faults).
 */
public record Ipv4Network(Ipv4Address network, int prefix) {

    public Ipv4Network {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix /" + prefix + " is not between 0 and 32");
        }
        if ((network.bits() & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException(network + "/" + prefix + " has host bits set; the network is "
                    + new Ipv4Address(network.bits() & mask(prefix)) + "/" + prefix);
        }
    }

    /** Parses {@code a.b.c.d/n}; host bits must be zero. */
    public static Ipv4Network parse(String text) {
        if (text == null || !text.contains("/")) {
            throw new IllegalArgumentException("'" + text + "' is not a network in CIDR form (expected a.b.c.d/n)");
        }
        String[] parts = text.trim().split("/", 2);
        Ipv4Address address = Ipv4Address.parse(parts[0]);
        int prefix;
        try {
            prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a prefix that is not a number");
        }
        return new Ipv4Network(address, prefix);
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public Ipv4Address netmask() {
        return new Ipv4Address(mask(prefix));
    }

    public Ipv4Address broadcast() {
        return new Ipv4Address(network.bits() | ~mask(prefix));
    }

    public boolean contains(Ipv4Address address) {
        return (address.bits() & mask(prefix)) == network.bits();
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
