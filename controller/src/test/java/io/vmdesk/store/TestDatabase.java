package io.vmdesk.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh, empty database for one test, for tests outside this package (the vault's): a SQLite file in a temporary
 * directory, or a new schema in the PostgreSQL database at PG_TEST_URL (the test is skipped, with a message, when
 * that is not set). {@link #connect()} gives raw JDBC access to the same tables, to inspect or tamper with rows.
 */
public final class TestDatabase implements AutoCloseable {

    public static final String PG_ENV = "PG_TEST_URL";

    private final String url;
    private final String kind;
    private final String schema;

    private TestDatabase(String url, String kind, String schema) {
        this.url = url;
        this.kind = kind;
        this.schema = schema;
    }

    public static TestDatabase sqlite(Path dir) {
        return new TestDatabase("jdbc:sqlite:" + dir.resolve("vmdesk.db"), DatabaseUrl.SQLITE, null);
    }

    /** Skips the calling test (JUnit assumption) when PG_TEST_URL is not set. */
    public static TestDatabase postgres() {
        String base = System.getenv(PG_ENV);
        Assumptions.assumeTrue(base != null && !base.isBlank(),
                "PostgreSQL tests skipped: set " + PG_ENV + " (e.g. postgres://vmdesk:vmdesk@127.0.0.1:5432/vmdesk_test)"
                        + " to run them against PostgreSQL");
        String schema = "vmdesk_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
                .toLowerCase(Locale.ROOT);
        return new TestDatabase(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                DatabaseUrl.POSTGRESQL, schema);
    }

    /** The URL to give {@link Store#open}. */
    public String url() {
        return url;
    }

    /** "sqlite" or "postgresql". */
    public String kind() {
        return kind;
    }

    /** A plain JDBC connection to the same database (and schema); the caller closes it. */
    public Connection connect() throws SQLException {
        DatabaseUrl u = DatabaseUrl.parse(url);
        return u.user() == null ? DriverManager.getConnection(u.jdbcUrl())
                : DriverManager.getConnection(u.jdbcUrl(), u.user(), u.password());
    }

    /** Drops the PostgreSQL schema; the SQLite file goes with its temporary directory. */
    @Override
    public void close() throws SQLException {
        if (schema == null) {
            return;
        }
        DatabaseUrl u = DatabaseUrl.parse(System.getenv(PG_ENV));
        try (Connection c = DriverManager.getConnection(u.jdbcUrl(), u.user(), u.password());
             Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
