package io.vmdesk.agent;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * One login: fetch the recipe, run it, hand the credential files back, wipe them.
 *
 * <p>Exit codes: 0 handed back and wiped; 1 the login or the hand-back failed (an {@code error} event was sent
 * when the controller could still be reached), or the wipe failed.
 */
public final class Agent {
    public static final int OK = 0;
    public static final int FAILED = 1;

    private final AgentConfig config;
    private final ControllerClient controller;
    private final BrowserOpener browser;
    private final HttpClient http;

    public Agent(AgentConfig config, BrowserOpener browser) {
        this.config = config;
        this.controller = new ControllerClient(config);
        this.browser = browser;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The production wiring: the guest browser is whatever {@code BROWSER} names. */
    public static Agent forGuest(AgentConfig config) {
        BrowserOpener opener = config.browser() == null
                ? url -> {
                    throw new java.io.IOException("BROWSER is not set in the agent's environment");
                }
                : new CommandBrowserOpener(config.browser(), config.childEnvironment());
        return new Agent(config, opener);
    }

    public int run() {
        Log.info("session " + config.sessionId() + ", controller " + config.agentUrl());
        Recipe recipe;
        try {
            recipe = RecipeParser.parse(controller.fetchRecipe());
        } catch (ControllerClient.ControllerException e) {
            Log.error("cannot fetch the recipe: " + e.getMessage());
            controller.send(Events.ERROR, "cannot fetch the recipe: " + e.getMessage());
            return FAILED;
        } catch (RecipeException e) {
            Log.error("invalid recipe: " + e.getMessage());
            controller.send(Events.ERROR, "invalid recipe: " + e.getMessage());
            return FAILED;
        }
        Log.info("recipe: provider " + recipe.provider() + ", login " + recipe.login().type() + ", "
                + recipe.harvest().size() + " harvest file(s), timeout " + recipe.timeout().toSeconds() + "s");

        Cleanup cleanup = new Cleanup();
        Path home = config.home();
        recipe.harvest().forEach(h -> cleanup.file(RecipeParser.expand(home, h.path())));
        Deadline deadline = Deadline.after(recipe.timeout());
        Thread onSigterm = new Thread(() -> {
            if (cleanup.pending()) {
                Log.warn("stopped before the login finished; wiping");
                cleanup.wipeAll();
            }
        }, "wipe-on-exit");
        Runtime.getRuntime().addShutdownHook(onSigterm);
        boolean handedBack = false;
        try {
            List<Harvester.HarvestedFile> files = switch (recipe.login()) {
                case Recipe.PkceLogin pkce -> new PkceLoginFlow(http, new SecureRandom(), controller, browser,
                        System::currentTimeMillis).run(recipe, pkce, home, deadline, cleanup);
                case Recipe.CliLogin cli -> new CliLoginFlow(controller).run(recipe, cli, config, deadline, cleanup);
            };
            controller.send(Events.CREDENTIALS_FOUND, files.size() + " credential file(s) found and validated");
            controller.sendCredentials(files);
            handedBack = true;
            Log.info("credentials handed back (" + files.size() + " file(s))");
        } catch (LoginException e) {
            Log.error("login failed: " + e.getMessage());
            controller.send(Events.ERROR, e.getMessage());
        } catch (ControllerClient.ControllerException e) {
            Log.error("hand-back failed: " + e.getMessage());
            controller.send(Events.ERROR, "hand-back failed: " + e.getMessage());
        } catch (RuntimeException e) {
            Log.error("unexpected failure: " + e.getClass().getSimpleName());
            controller.send(Events.ERROR, "agent failure: " + e.getClass().getSimpleName());
        } finally {
            boolean wiped = cleanup.wipeAll();
            handedBack = handedBack && wiped;
            try {
                Runtime.getRuntime().removeShutdownHook(onSigterm);
            } catch (IllegalStateException e) {
                // already shutting down: the hook finds nothing left to do
            }
        }
        return handedBack ? OK : FAILED;
    }
}
