package io.vmdesk.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The repository contract on PostgreSQL, at the URL in PG_TEST_URL (skipped when it is not set). Each
 * test works in its own new schema, dropped afterwards, so runs never see each other's rows and can be repeated.
 */
class PostgresStoreTest extends StoreContractTest {

    static final String ENV = "PG_TEST_URL";

    String baseUrl;
    String schema;

    @Override
    String freshUrl() {
        baseUrl = System.getenv(ENV);
        Assumptions.assumeTrue(baseUrl != null && !baseUrl.isBlank(),
                "PostgreSQL tests skipped: set " + ENV + " (e.g. postgres://vmdesk:vmdesk@127.0.0.1:5432/vmdesk_test)"
                        + " to run the store tests against PostgreSQL");
        schema = "vmdesk_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
                .toLowerCase(Locale.ROOT);
        // Store.open creates the schema named by currentSchema (through Flyway).
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    @Override
    String expectedKind() {
        return "postgresql";
    }

    @AfterEach
    void dropSchema() throws Exception {
        if (schema == null) {
            return;
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void tablesLiveInTheTestSchema() throws Exception {
        try (Connection c = connect(); var rs = c.createStatement().executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema + "'"
                        + " AND table_name IN ('sessions', 'session_steps', 'leases', 'ledger_entries', 'credentials')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
        }
    }

    @Test
    void aWrongPasswordIsReportedWithoutIt() {
        DatabaseUrl good = DatabaseUrl.parse(baseUrl);
        String bad = "postgres://" + good.user() + ":wrongPw-" + UUID.randomUUID() + "@"
                + good.jdbcUrl().substring("jdbc:postgresql://".length());
        String password = bad.substring(bad.indexOf(":wrongPw-") + 1, bad.indexOf('@'));

        StoreException e = catchThrowableOfType(StoreException.class, () -> Store.open(bad));

        assertThat(e.getMessage()).contains("postgres://" + good.user() + ":***@").contains("password");
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(password);
        }
    }

    private Connection connect() throws Exception {
        DatabaseUrl u = DatabaseUrl.parse(baseUrl);
        return DriverManager.getConnection(u.jdbcUrl(), u.user(), u.password());
    }
}
