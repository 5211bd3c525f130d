package io.vmdesk.session;

import io.vmdesk.agentapi.AgentTokens;
import io.vmdesk.guest.AgentLaunch;
import java.util.List;

/** Issues each session's agent token and says how its guest starts the agent. */
public final class AgentLauncher {
    private final AgentTokens tokens;
    private final List<String> command;
    private final String controllerUrl;

    /**
     * @param command       how the guest runs the agent (e.g. java -jar vmdesk-agent.jar); empty = no agent
     * @param controllerUrl the controller as the guest reaches it (the bridge address)
     */
    public AgentLauncher(AgentTokens tokens, List<String> command, String controllerUrl) {
        this.tokens = tokens;
        this.command = List.copyOf(command);
        this.controllerUrl = controllerUrl;
    }

    AgentLaunch launchFor(String sessionId) {
        if (command.isEmpty()) {
            return null;
        }
        return new AgentLaunch(command, sessionId, controllerUrl, tokens.issue(sessionId));
    }

    void revoke(String sessionId) {
        tokens.revoke(sessionId);
    }
}
