package io.vmdesk.app;

import io.vmdesk.host.OwnerLock;
import java.nio.file.Path;

/**
 * One controller per DATA_DIR. A second one would reconcile at start-up, that is remove every guest the store knows
 * (they look like a crashed controller's leftovers), and only then fail on the taken port: so the lock is taken
 * before anything else touches the store or the host ({@code DATA_DIR/controller.lock}, holding the owner's pid).
 * The store is claimed as well ({@link io.vmdesk.store.Store#claim}), for a DATABASE_URL shared across DATA_DIRs.
 */
final class DataDirLock {
    static final String FILE = "controller.lock";

    private DataDirLock() {
    }

    /** Takes the lock, or throws {@link OwnerLock.HeldException} naming the controller that holds it. */
    static OwnerLock acquire(Path dataDir) {
        return OwnerLock.acquire(dataDir.resolve(FILE), owner -> "another vmdesk controller"
                + (owner.isEmpty() ? "" : " (pid " + owner + ")") + " is running on DATA_DIR " + dataDir
                + "; stop it first (systemctl stop vmdesk, or end that `vmdesk serve`), or give this one another DATA_DIR");
    }
}
