package io.vmdesk.net;

import java.util.List;

/**
 * The bridge exists but carries IPv4 addresses other than the one vmdesk needs. The message shows both and the exact
 * commands that fix it; {@link #fixCommand()} holds those commands alone.
 */
public class BridgeMismatchException extends RuntimeException {
    private final String bridge;
    private final List<String> found;
    private final String wanted;
    private final String fixCommand;

    public BridgeMismatchException(String bridge, List<String> found, String wanted, String fixCommand) {
        super("bridge " + bridge + " has IPv4 address" + (found.size() == 1 ? " " : "es ") + String.join(", ", found)
                + " but vmdesk needs exactly " + wanted + " on it (guests would be unreachable or misrouted). Fix it with: "
                + fixCommand + "   (or restart the controller with --fix-bridge to let it make exactly this change)");
        this.bridge = bridge;
        this.found = List.copyOf(found);
        this.wanted = wanted;
        this.fixCommand = fixCommand;
    }

    public String bridge() {
        return bridge;
    }

    /** The IPv4 addresses found on the bridge, as {@code a.b.c.d/n}. */
    public List<String> found() {
        return found;
    }

    /** The address vmdesk needs, as {@code a.b.c.d/n}. */
    public String wanted() {
        return wanted;
    }

    /** Shell commands that make the bridge right, joined with {@code &&}. */
    public String fixCommand() {
        return fixCommand;
    }
}
