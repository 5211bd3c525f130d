package io.vmdesk.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmdesk.host.OwnerLock;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One controller per store: a second controller on the same database (another DATA_DIR, another host) would end the
 * first one's live sessions as leftovers in its start-up reconciliation, so its claim is refused.
 */
class StoreClaimTest {
    @TempDir
    Path dir;

    @Test
    void sqliteASecondClaimIsRefusedUntilTheFirstIsReleased() throws Exception {
        try (TestDatabase db = TestDatabase.sqlite(dir)) {
            secondClaimRefusedThenGranted(db);
        }
    }

    @Test
    void postgresqlASecondClaimOnTheSameSchemaIsRefusedAnotherSchemaIsFree() throws Exception {
        try (TestDatabase db = TestDatabase.postgres(); TestDatabase other = TestDatabase.postgres()) {
            secondClaimRefusedThenGranted(db);
            Store a = Store.open(db.url());
            Store b = Store.open(other.url());
            try (AutoCloseable first = a.claim(); AutoCloseable second = b.claim()) {
                assertThat(second).as("a schema of its own is a store of its own").isNotNull();
            }
        }
    }

    private static void secondClaimRefusedThenGranted(TestDatabase db) throws Exception {
        Store first = Store.open(db.url());
        Store second = Store.open(db.url());
        try (AutoCloseable claim = first.claim()) {
            assertThatThrownBy(second::claim).isInstanceOf(OwnerLock.HeldException.class)
                    .hasMessageContaining("another vmdesk controller")
                    .hasMessageContaining("uses the store")
                    .hasMessageContaining("stop it first");
        }
        try (AutoCloseable claim = second.claim()) {
            assertThat(claim).as("released with the first controller").isNotNull();
        }
    }
}
