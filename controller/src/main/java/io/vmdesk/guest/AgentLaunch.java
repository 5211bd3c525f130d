package io.vmdesk.guest;

import java.util.List;

/**
 * What a guest needs to start the login agent. How it reaches the agent is the driver's business: the sandbox passes
 * it in the agent's environment, VM drivers through MMDS or the kernel command line.
 *
 * @param command       the agent's command line inside the guest
 * @param controllerUrl the controller's agent endpoint base as the guest reaches it
 * @param token         the session's one-time agent token (never logged)
 */
public record AgentLaunch(List<String> command, String sessionId, String controllerUrl, String token) {

    @Override
    public String toString() {
        return "AgentLaunch[command=" + command + ", sessionId=" + sessionId + ", controllerUrl=" + controllerUrl
                + ", token=***]";
    }
}
