package io.vmdesk.agent;

/**
 * Where the agent learns its session id, the controller's URL and its one-time token. Today that is the process
 * environment ({@link EnvironmentBootstrap}); a VM can later deliver the same three values through MMDS or the
 * kernel command line by implementing this interface.
 */
public interface AgentBootstrap {
    /** @throws BootstrapException naming what is missing or malformed (never echoing the token) */
    AgentConfig load() throws BootstrapException;
}
