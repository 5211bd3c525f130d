package io.vmdesk.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vmdesk completion}: a bash (and zsh, via bashcompinit) completion script for every command and option. */
@Command(name = "completion", description = "Print a bash completion script: "
        + "./vmdesk completion > /etc/bash_completion.d/vmdesk (or `source <(./vmdesk completion)`).")
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("vmdesk", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
