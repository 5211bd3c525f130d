package io.vmdesk.cli;

import io.vmdesk.config.Config;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmdesk config}: validates the configuration and prints the effective values. */
@Command(name = "config", description = "Check the configuration (environment and .env) and print the effective values.")
final class ConfigCommand implements Callable<Integer> {
    @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
    Path envFile;

    @Option(names = "--markdown", description = "print the reference table of every variable (Markdown, as in "
            + "docs/operator-guide.md) instead")
    boolean markdown;

    @Option(names = "--example", description = "print a commented example .env of every variable instead")
    boolean example;

    @Override
    public Integer call() {
        if (markdown || example) {
            System.out.print(markdown ? io.vmdesk.install.SettingsReference.markdown()
                    : io.vmdesk.install.SettingsReference.envFile(java.util.Map.of()));
            return 0;
        }
        try {
            Config config = ConfigLoading.loadOrExplain(System.getenv(), envFile);
            config.describe().forEach(System.out::println);
            try {
                var providers = io.vmdesk.provider.ProviderCatalog.load(config.providersFile());
                System.out.println("providers: " + String.join(", ", providers.names()));
            } catch (IllegalArgumentException e) {
                System.err.println("vmdesk: refusing to start: " + e.getMessage());
                return ConfigLoading.EXIT_CONFIG;
            }
            return 0;
        } catch (ConfigLoading.ExitException e) {
            return e.status;
        }
    }
}
