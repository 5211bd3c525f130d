package io.vmdesk.agent;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/** The test's guest browser: a user signs in on a thread of its own, as they would through noVNC. */
final class InProcessBrowser implements BrowserOpener {
    final CompletableFuture<SimulatedUser.Result> result = new CompletableFuture<>();
    volatile URI opened;
    private final String username;
    private final UnaryOperator<URI> tamper;

    InProcessBrowser(String username, UnaryOperator<URI> tamper) {
        this.username = username;
        this.tamper = tamper;
    }

    @Override
    public void open(URI url) {
        opened = url;
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(SimulatedUser.signIn(url, username, tamper));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }
}
