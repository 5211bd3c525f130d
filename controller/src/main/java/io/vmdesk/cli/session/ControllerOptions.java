package io.vmdesk.cli.session;

import java.util.Map;
import picocli.CommandLine.Option;

/** Where the controller is and how to talk to it: shared by every {@code vmdesk session} subcommand. */
public final class ControllerOptions {
    @Option(names = "--url", paramLabel = "URL", description = "the controller's base URL (default: $VMDESK_URL, else "
            + "$PUBLIC_URL, else http://127.0.0.1:$PORT with PORT 4000 when unset)")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "a platform API key (default: $VMDESK_API_KEY); "
            + "create one with ./vmdesk apikey create")
    String apiKey;

    @Option(names = "--json", description = "print the controller's JSON instead of text (for scripts)")
    boolean json;

    ControllerClient client() {
        return client(System.getenv());
    }

    ControllerClient client(Map<String, String> env) {
        String key = apiKey != null ? apiKey : env.get("VMDESK_API_KEY");
        return new ControllerClient(baseUrl(url, env), key);
    }

    /** --url, else VMDESK_URL, else the controller's own PUBLIC_URL, else the loopback at its PORT. */
    static String baseUrl(String url, Map<String, String> env) {
        for (String candidate : new String[] {url, env.get("VMDESK_URL"), env.get("PUBLIC_URL")}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.strip();
            }
        }
        String port = env.get("PORT");
        return "http://127.0.0.1:" + (port == null || port.isBlank() ? "4000" : port.strip());
    }
}
