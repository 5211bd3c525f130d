package io.vmdesk.vault;

import io.vmdesk.store.TestDatabase;
import java.nio.file.Path;

/**
 * The vault on PostgreSQL at PG_TEST_URL, in a new schema per test (dropped afterwards); skipped, with a message,
 * when PG_TEST_URL is not set.
 */
class PostgresVaultTest extends VaultContractTest {

    @Override
    TestDatabase database(Path dir) {
        return TestDatabase.postgres();
    }
}
