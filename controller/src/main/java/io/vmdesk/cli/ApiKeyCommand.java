package io.vmdesk.cli;

import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.config.Config;
import io.vmdesk.store.ApiKeyRow;
import io.vmdesk.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmdesk apikey create|list|revoke}: platform API keys, managed directly in the store. */
@Command(name = "apikey", description = "Create, list or revoke platform API keys (stored hashed).",
        subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.ListKeys.class, ApiKeyCommand.Revoke.class})
final class ApiKeyCommand {

    static Store open(Path envFile) throws ConfigLoading.ExitException {
        Config config = ConfigLoading.loadOrExplain(System.getenv(), envFile);
        return Store.open(config.databaseUrl() != null ? config.databaseUrl() : "jdbc:sqlite:" + config.sqliteFile());
    }

    @Command(name = "create", description = "Create a key and print it (the only time it is shown).")
    static final class Create implements Callable<Integer> {
        @Option(names = "--name", required = true, description = "who the key is for, e.g. the platform's name")
        String name;

        @Option(names = "--scope", required = true, split = ",",
                description = "one or more of: sessions:create, sessions:read, sessions:delete, credentials:read, admin")
        List<String> scopes;

        @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
        Path envFile;

        @Override
        public Integer call() {
            Set<Scope> parsed = new LinkedHashSet<>();
            for (String s : scopes) {
                var scope = Scope.find(s.trim());
                if (scope.isEmpty()) {
                    System.err.println("vmdesk: unknown scope '" + s + "'; use one or more of "
                            + Arrays.stream(Scope.values()).map(Scope::label).collect(Collectors.joining(", ")));
                    return 2;
                }
                parsed.add(scope.get());
            }
            try (Store store = open(envFile)) {
                System.out.println(new ApiKeys(store, Clock.systemUTC()).create(name, parsed));
                System.err.println("(stored hashed in " + store + "; the controller using that store accepts it)");
                return 0;
            } catch (ConfigLoading.ExitException e) {
                return e.status;
            }
        }
    }

    @Command(name = "list", description = "List keys (ids, names, scopes; never the keys).")
    static final class ListKeys implements Callable<Integer> {
        @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
        Path envFile;

        @Override
        public Integer call() {
            try (Store store = open(envFile)) {
                for (ApiKeyRow row : store.apiKeys().list()) {
                    System.out.printf("%s  %-20s %-45s %s%n", row.id(), row.name(), String.join(",", row.scopes()),
                            row.revokedAt() == null ? "created " + row.createdAt() : "revoked " + row.revokedAt());
                }
                return 0;
            } catch (ConfigLoading.ExitException e) {
                return e.status;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a key by its id.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(description = "the key id (8 hex characters, as `apikey list` shows)")
        String id;

        @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
        Path envFile;

        @Override
        public Integer call() {
            try (Store store = open(envFile)) {
                if (!store.apiKeys().revoke(id, Clock.systemUTC().instant())) {
                    System.err.println("vmdesk: no live key with id " + id + " (see `vmdesk apikey list`)");
                    return 1;
                }
                System.out.println("revoked " + id);
                return 0;
            } catch (ConfigLoading.ExitException e) {
                return e.status;
            }
        }
    }
}
