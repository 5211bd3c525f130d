package io.vmdesk.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.store.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The vault on SQLite, in a file under a fresh temporary directory per test. */
class SqliteVaultTest extends VaultContractTest {

    @Override
    TestDatabase database(Path dir) {
        return TestDatabase.sqlite(dir);
    }

    @Test
    void no_file_of_the_database_contains_the_plaintext() throws Exception {
        String token = token();
        vault.store("alice", "codex", "s1", credentialFile(token));
        vault.latest("alice", "codex").orElseThrow().close();

        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("vmdesk.db")).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                    .doesNotContain(token);
        }
    }
}
