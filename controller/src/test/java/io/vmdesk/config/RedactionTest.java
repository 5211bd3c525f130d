package io.vmdesk.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Redaction replaces the secret value and nothing else: every character around it is kept. */
class RedactionTest {

    @Test
    void aUrlKeepsEverythingButItsPasswords() {
        assertThat(Redaction.redact("postgres://vmdesk:hunter2@db.example:5432/vmdesk?sslmode=require"))
                .isEqualTo("postgres://vmdesk:***@db.example:5432/vmdesk?sslmode=require");
        assertThat(Redaction.redact("postgres://u:p@ss@h:5432/db?sslmode=require"))
                .isEqualTo("postgres://u:***@h:5432/db?sslmode=require");
        assertThat(Redaction.redact("postgresql://u:pw@h/db?password=x&sslpassword=y&application_name=vmdesk#frag"))
                .isEqualTo("postgresql://u:***@h/db?password=***&sslpassword=***&application_name=vmdesk#frag");
        assertThat(Redaction.redact("jdbc:postgresql://h/db?user=u&password=p;ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***;ssl=true");
        assertThat(Redaction.redact("postgres://u:pw@[::1]:5432/db")).isEqualTo("postgres://u:***@[::1]:5432/db");
    }

    @Test
    void aUrlWithoutAPasswordIsUnchanged() {
        for (String url : new String[] {"postgres://u@h:5432/db", "jdbc:sqlite:/var/lib/vmdesk/vmdesk.db",
                "postgres://h/db?application_name=a:b@c", "postgres://h:5432/db?sslmode=require"}) {
            assertThat(Redaction.redact(url)).isEqualTo(url);
        }
        assertThat(Redaction.redact(null)).isNull();
    }

    @Test
    void onlySecretSettingsAreMaskedAndTheMasterKeyEntirely() {
        assertThat(Redaction.shown(Setting.DATABASE_URL, "postgres://u:pw@h/db")).isEqualTo("postgres://u:***@h/db");
        assertThat(Redaction.shown(Setting.VAULT_MASTER_KEY, "c2VjcmV0")).isEqualTo("***");
        assertThat(Redaction.shown(Setting.BRIDGE_DEVICE, "br0")).isEqualTo("br0");
        assertThat(Redaction.shown(Setting.DATABASE_URL, null)).isNull();
    }

    @Test
    void aMessageAroundARedactedValueKeepsItsWording() {
        String message = ConfigTesting.failure(java.util.Map.of("DATABASE_URL", "mysql://u:hunter2@h/db"))
                .getMessage();
        assertThat(message).doesNotContain("hunter2").contains("DATABASE_URL='mysql://u:***@h/db' is not a "
                + "supported database URL");
    }
}
