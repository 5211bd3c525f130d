package io.vmdesk.agent;

import java.net.URI;

/** {@code BROWSER} for the CLI tests: a child process that signs the user in at the URL it is given. */
public final class FakeUserBrowser {
    private FakeUserBrowser() {}

    public static void main(String[] args) throws Exception {
        SimulatedUser.Result r = SimulatedUser.signIn(URI.create(args[0]), "cli-user");
        System.err.println("fake browser: loopback answered " + r.status());
        System.exit(r.status() == 200 ? 0 : 1);
    }
}
