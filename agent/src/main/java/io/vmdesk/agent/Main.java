package io.vmdesk.agent;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code java -jar vmdesk-agent.jar}: reads its bootstrap from the environment ({@code VMDESK_SESSION_ID},
 * {@code VMDESK_AGENT_URL}, {@code VMDESK_AGENT_TOKEN}, plus {@code HOME} and {@code BROWSER}), performs one login
 * and exits: 0 handed back and wiped, 1 failed, 2 bad bootstrap or usage.
 */
public final class Main {
    public static final int USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            err.println(usage());
            return 0;
        }
        if (args.length > 0) {
            err.println(usage());
            return USAGE;
        }
        AgentConfig config;
        try {
            config = new EnvironmentBootstrap(env).load();
        } catch (BootstrapException e) {
            Log.error("bootstrap: " + e.getMessage());
            return USAGE;
        }
        return Agent.forGuest(config).run();
    }

    static String usage() {
        return """
                usage: java -jar vmdesk-agent.jar
                Runs one provider login inside a vmdesk guest and hands the credentials to the controller.
                Environment:
                  VMDESK_SESSION_ID   the controller's login session id
                  VMDESK_AGENT_URL    the controller's agent API, e.g. http://192.168.100.1:4000
                  VMDESK_AGENT_TOKEN  one-time bearer token (never passed to child processes)
                  HOME                where ~ in recipe paths points
                  BROWSER             program that opens a URL in the guest browser
                Exit: 0 handed back and wiped, 1 login or hand-back failed, 2 bad environment or usage.""";
    }
}
