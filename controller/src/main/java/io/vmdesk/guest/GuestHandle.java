package io.vmdesk.guest;

import java.util.Optional;

/** A started guest, for watching it. */
public interface GuestHandle {
    /** e.g. "x11vnc exited with code 1" once any guest process has died, else empty. */
    Optional<String> failure();

    /** Last lines of the guest's process logs, for diagnoses. */
    String logTail(int maxLines);
}
