package io.vmdesk.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository contract on SQLite, in a file under a fresh temporary directory per test. */
class SqliteStoreTest extends StoreContractTest {

    @TempDir
    Path dir;

    @Override
    String freshUrl() {
        // A nested path: open must create the parent directories.
        return "jdbc:sqlite:" + dir.resolve("state/nested/vmdesk.db");
    }

    @Override
    String expectedKind() {
        return "sqlite";
    }

    @Test
    void createsTheFileAndUsesWal() throws Exception {
        assertThat(dir.resolve("state/nested/vmdesk.db")).exists();
        try (var c = java.sql.DriverManager.getConnection(url);
             var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }
}
