package io.vmdesk.net;

/**
 * An IPv4 address as an unsigned 32-bit value, so that pools, networks and MACs can do arithmetic on it.
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** Parses dotted-quad notation; rejects anything else with a message that quotes the input. */
    public static Ipv4Address parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing IPv4 address");
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (octet " + octet + " > 255)");
            }
            bits = (bits << 8) | octet;
        }
        return new Ipv4Address(bits);
    }

    /** The address {@code n} steps after this one (n may be negative). */
    public Ipv4Address plus(long n) {
        return new Ipv4Address((int) (Integer.toUnsignedLong(bits) + n));
    }

    /** Unsigned distance from {@code other} to this address. */
    public long minus(Ipv4Address other) {
        return Integer.toUnsignedLong(bits) - Integer.toUnsignedLong(other.bits);
    }

    public int octet(int index) {
        return (bits >>> (24 - 8 * index)) & 0xff;
    }

    @Override
    public int compareTo(Ipv4Address o) {
        return Integer.compareUnsigned(bits, o.bits);
    }

    @Override
    public String toString() {
        return octet(0) + "." + octet(1) + "." + octet(2) + "." + octet(3);
    }
}
