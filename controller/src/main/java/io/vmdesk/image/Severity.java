package io.vmdesk.image;

/** How much a finding matters for a guest whose eth0 the kernel configures from {@code ip=}. */
public enum Severity {
    /** Will reconfigure eth0 after the kernel set it: the guest stops answering, the session fails. */
    FIGHT,
    /** Something the guest needs is not there (VNC server, agent unit, ip= support in a shipped kernel). */
    MISSING,
    /** Inert as the image stands, but one step from fighting (a service that is installed and not enabled). */
    WARN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
