package io.vmdesk.agent;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent needs to start, however it was delivered (see {@link AgentBootstrap}).
 *
 * @param sessionId        the controller's login session id
 * @param agentUrl         base URL of the controller's agent API, e.g. {@code http://192.168.100.1:4000}
 * @param token            the one-time bearer token; never logged, never passed to a child process
 * @param home             the agent's HOME: {@code ~} in recipe paths
 * @param childEnvironment the environment for every child process (the login CLI, the browser): the agent's own
 *                         environment without the bootstrap variables, and without anything containing the token
 */
public record AgentConfig(String sessionId, URI agentUrl, String token, Path home, Map<String, String> childEnvironment) {
    public AgentConfig {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(agentUrl, "agentUrl");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(home, "home");
        childEnvironment = Map.copyOf(childEnvironment);
        for (Map.Entry<String, String> e : childEnvironment.entrySet()) {
            if (e.getKey().contains(token) || e.getValue().contains(token)) {
                throw new IllegalArgumentException("the child environment must not contain the agent token");
            }
        }
    }

    /** The program named by {@code BROWSER}, or null. */
    public String browser() {
        String b = childEnvironment.get("BROWSER");
        return b == null || b.isBlank() ? null : b;
    }

    @Override
    public String toString() {
        return "AgentConfig[sessionId=" + sessionId + ", agentUrl=" + agentUrl + ", token=[redacted], home=" + home
                + ", childEnvironment=" + childEnvironment.size() + " variables]";
    }
}
