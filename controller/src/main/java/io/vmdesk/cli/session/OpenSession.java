package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmdesk session open ID}: the live-view URL, or the live view itself in this desktop's browser. */
@Command(name = "open", description = "Print a session's live-view URL (--browser: open it with xdg-open).")
final class OpenSession extends SessionSubcommand {
    @Parameters(paramLabel = "ID", description = "the session id")
    String id;

    @Option(names = "--browser", description = "open the URL in this desktop's browser (xdg-open) as well")
    boolean browser;

    @Override
    void run(ControllerClient client) throws ControllerException {
        JsonNode session = client.get(path(id));
        String url = session.path("novncURL").asText();
        if (json()) {
            var out = ControllerClient.JSON.createObjectNode();
            out.put("sessionId", id);
            out.put("status", session.path("status").asText());
            out.put("novncURL", url);
            printJson(out);
        } else {
            out().println(url);
        }
        String status = session.path("status").asText();
        if (!status.equals("READY") && !status.equals("STARTING")) {
            err().println("vmdesk: note: session " + id + " is " + status + "; its live view only says why it ended");
        }
        if (browser) {
            open(url);
        }
    }

    private static void open(String url) throws ControllerException {
        try {
            Process p = new ProcessBuilder("xdg-open", url).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new ControllerException("xdg-open could not open " + url + " (exit " + p.exitValue()
                        + "); open it in a browser yourself", ControllerException.EXIT_REFUSED);
            }
        } catch (IOException e) {
            throw new ControllerException("cannot run xdg-open (" + e.getMessage() + "); install xdg-utils or open "
                    + url + " in a browser yourself", ControllerException.EXIT_REFUSED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
