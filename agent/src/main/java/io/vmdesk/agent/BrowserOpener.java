package io.vmdesk.agent;

import java.io.IOException;
import java.net.URI;

/** Opens a URL in the guest's browser, where the user sees it through noVNC. */
@FunctionalInterface
public interface BrowserOpener {
    /** Returns once the browser was asked to open {@code url}; the user's sign-in happens afterwards. */
    void open(URI url) throws IOException;
}
