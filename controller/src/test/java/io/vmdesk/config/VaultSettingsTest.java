package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.load;
import static io.vmdesk.config.ConfigTesting.onlyProblem;
import static io.vmdesk.config.ConfigTesting.writeDotEnv;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VAULT_MASTER_KEY and VAULT_MASTER_KEY_FILE: validated, mutually exclusive, and the key is never shown. */
class VaultSettingsTest {

    static final String FIX = "head -c 32 /dev/urandom | base64";

    static String newKey(int bytes) {
        byte[] key = new byte[bytes];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void a_valid_key_is_accepted_and_shown_only_as_stars() throws Exception {
        String key = newKey(32);

        Config c = load(Map.of("VAULT_MASTER_KEY", key));

        assertThat(c.vaultMasterKey()).isEqualTo(key);
        assertThat(c.vaultMasterKeyFile()).isNull();
        assertThat(c.vaultKeyFile()).isNull();
        assertThat(c.describe()).contains("VAULT_MASTER_KEY=*** (env)",
                "VAULT_MASTER_KEY_FILE= (default: the key is VAULT_MASTER_KEY)");
        assertThat(String.join("\n", c.describe())).doesNotContain(key);
        assertThat(c.toString()).doesNotContain(key).contains("VAULT_MASTER_KEY=***");
    }

    @Test
    void a_key_from_dot_env_is_redacted_too(@TempDir Path dir) throws Exception {
        String key = newKey(32);
        Config c = Config.load(Map.of(), writeDotEnv(dir, "VAULT_MASTER_KEY=" + key));

        assertThat(c.describe()).contains("VAULT_MASTER_KEY=*** (.env)");
        assertThat(c.toString()).doesNotContain(key);
    }

    @Test
    void a_key_file_is_made_absolute(@TempDir Path dir) throws Exception {
        Config c = load(Map.of("VAULT_MASTER_KEY_FILE", "relative/vault.key"));

        assertThat(c.vaultMasterKeyFile()).isAbsolute();
        assertThat(c.vaultMasterKeyFile().toString()).endsWith("/relative/vault.key");
        assertThat(c.vaultKeyFile()).isEqualTo(c.vaultMasterKeyFile());
        assertThat(c.describe()).contains("VAULT_MASTER_KEY_FILE=" + c.vaultMasterKeyFile() + " (env)");
    }

    @Test
    void with_neither_set_the_key_file_is_generated_in_the_data_dir() throws Exception {
        Config c = load(Map.of("DATA_DIR", "/srv/vmdesk"));

        assertThat(c.vaultKeyFile()).isEqualTo(Path.of("/srv/vmdesk/vault.key"));
        assertThat(c.describe()).contains("VAULT_MASTER_KEY= (default: unset)",
                "VAULT_MASTER_KEY_FILE= (default: generated key file /srv/vmdesk/vault.key)");
    }

    @Test
    void both_set_is_one_problem_naming_both_without_the_key() {
        String key = newKey(32);

        Problem p = onlyProblem(failure(Map.of("VAULT_MASTER_KEY", key, "VAULT_MASTER_KEY_FILE", "/etc/vmdesk/vault.key")));

        assertThat(p.message()).contains("VAULT_MASTER_KEY (set in the process environment)")
                .contains("VAULT_MASTER_KEY_FILE=/etc/vmdesk/vault.key").contains("both set").doesNotContain(key);
        assertThat(p.fix()).contains("unset one of them").contains("/etc/vmdesk/vault.key").doesNotContain(key);
    }

    @Test
    void a_key_that_is_not_base64_is_rejected_with_the_fix_and_without_echoing_it() {
        String bad = "not base64! " + newKey(32);

        ConfigException e = failure(Map.of("VAULT_MASTER_KEY", bad));
        Problem p = onlyProblem(e);

        assertThat(p.variable()).isEqualTo("VAULT_MASTER_KEY");
        assertThat(p.message()).contains("VAULT_MASTER_KEY='***' is not base64").contains("process environment");
        assertThat(p.fix()).contains(FIX);
        assertThat(e.getMessage()).doesNotContain(bad).doesNotContain(bad.substring(12));
    }

    @Test
    void a_key_of_the_wrong_length_is_rejected_with_the_fix() {
        String shortKey = newKey(16);

        Problem p = onlyProblem(failure(Map.of("VAULT_MASTER_KEY", shortKey)));

        assertThat(p.message()).contains("decodes to 16 bytes").contains("exactly 32 bytes").doesNotContain(shortKey);
        assertThat(p.fix()).contains(FIX);
    }
}
