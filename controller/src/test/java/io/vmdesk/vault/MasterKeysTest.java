package io.vmdesk.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import io.vmdesk.config.ConfigException.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where master keys come from, and how every way of getting them wrong is reported. */
class MasterKeysTest {

    static final String FIX = "head -c 32 /dev/urandom | base64";

    @TempDir
    Path dir;

    @Test
    void the_key_id_is_the_first_8_hex_digits_of_the_sha256_of_the_key() throws Exception {
        byte[] key = new byte[32]; // SHA-256 of 32 zero bytes starts 66687aad
        assertThat(MasterKeys.keyId(key)).isEqualTo("66687aad");
    }

    @Test
    void a_key_from_the_environment() throws Exception {
        String key = Keys.newBase64Key();
        Config config = Config.load(Map.of("VAULT_MASTER_KEY", key, "DATA_DIR", dir.toString()), null);

        MasterKeys keys = MasterKeys.load(config);

        assertThat(keys.currentKeyId()).isEqualTo(Keys.id(key));
        assertThat(keys.keyIds()).containsExactly(Keys.id(key));
        assertThat(keys.file()).isNull();
        assertThat(dir.resolve("vault.key")).doesNotExist();
        keys.reload(); // nothing to re-read: a no-op
        assertThat(keys.currentKeyId()).isEqualTo(Keys.id(key));
        assertThat(keys.toString()).doesNotContain(key);
    }

    @Test
    void a_key_file_first_line_current_others_older_comments_and_blanks_ignored() throws Exception {
        String a = Keys.newBase64Key();
        String b = Keys.newBase64Key();
        Path file = Keys.writeFile(dir.resolve("keys"), "# rotated 2025-01-01", "", "  " + b + "  ", a, a, "");
        Config config = Config.load(Map.of("VAULT_MASTER_KEY_FILE", file.toString(), "DATA_DIR", dir.toString()), null);

        MasterKeys keys = MasterKeys.load(config);

        assertThat(keys.currentKeyId()).isEqualTo(Keys.id(b));
        assertThat(keys.keyIds()).containsExactly(Keys.id(b), Keys.id(a));
        assertThat(keys.file()).isEqualTo(file);
        assertThat(dir.resolve("vault.key")).doesNotExist();
    }

    @Test
    void with_neither_set_a_key_file_is_generated_with_mode_0600_and_the_log_says_so() throws Exception {
        Path dataDir = dir.resolve("data/nested");
        Config config = Config.load(Map.of("DATA_DIR", dataDir.toString()), null);

        MasterKeys keys;
        try (LogCapture log = new LogCapture()) {
            keys = MasterKeys.load(config);

            Path file = dataDir.resolve("vault.key");
            assertThat(file).isRegularFile();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            assertThat(lines).hasSize(1);
            byte[] key = Base64.getDecoder().decode(lines.get(0));
            assertThat(key).hasSize(32);
            assertThat(keys.currentKeyId()).isEqualTo(MasterKeys.keyId(key));
            assertThat(keys.file()).isEqualTo(file);
            assertThat(log.all()).contains("generated a new vault master key", file.toString(), keys.currentKeyId(),
                    "Back this file up").doesNotContain(lines.get(0));
            // No temporary file is left behind.
            try (var files = Files.list(dataDir)) {
                assertThat(files).containsExactly(file);
            }
        }

        // The next start reads the same key and generates nothing.
        try (LogCapture log = new LogCapture()) {
            MasterKeys again = MasterKeys.load(config);
            assertThat(again.currentKeyId()).isEqualTo(keys.currentKeyId());
            assertThat(log.all()).doesNotContain("generated a new");
        }
    }

    @Test
    void both_set_is_an_error_naming_both() throws Exception {
        String key = Keys.newBase64Key();
        Path file = Keys.writeFile(dir.resolve("keys"), Keys.newBase64Key());

        ConfigException fromConfig = catchThrowableOfType(ConfigException.class, () -> Config.load(
                Map.of("VAULT_MASTER_KEY", key, "VAULT_MASTER_KEY_FILE", file.toString()), null));
        ConfigException direct = catchThrowableOfType(ConfigException.class,
                () -> MasterKeys.load(key, file, dir));

        for (ConfigException e : List.of(fromConfig, direct)) {
            assertThat(e.getMessage()).contains("VAULT_MASTER_KEY", "VAULT_MASTER_KEY_FILE=" + file, "both set")
                    .doesNotContain(key);
        }
    }

    @Test
    void a_malformed_environment_key_is_an_error_with_the_fix() {
        for (String bad : List.of("not*base64", Keys.base64(Keys.random(31)), Keys.base64(Keys.random(33)))) {
            ConfigException fromConfig = catchThrowableOfType(ConfigException.class,
                    () -> Config.load(Map.of("VAULT_MASTER_KEY", bad), null));
            ConfigException direct = catchThrowableOfType(ConfigException.class,
                    () -> MasterKeys.load(bad, null, dir));

            for (ConfigException e : List.of(fromConfig, direct)) {
                assertThat(e.problems()).hasSize(1);
                Problem p = e.problems().get(0);
                assertThat(p.variable()).isEqualTo("VAULT_MASTER_KEY");
                assertThat(p.message()).containsAnyOf("is not base64", "exactly 32 bytes").doesNotContain(bad);
                assertThat(p.fix()).contains(FIX);
            }
        }
    }

    @Test
    void every_malformed_line_of_a_key_file_is_reported_with_its_number_and_the_fix_but_not_its_content()
            throws Exception {
        String good = Keys.newBase64Key();
        String shortKey = Keys.base64(Keys.random(16));
        Path file = Keys.writeFile(dir.resolve("keys"), good, "this is not a key", shortKey);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> MasterKeys.load(null, file, dir));

        assertThat(e.problems()).extracting(Problem::variable).containsOnly("VAULT_MASTER_KEY_FILE");
        assertThat(e.problems()).extracting(Problem::message).containsExactly(
                "VAULT_MASTER_KEY_FILE=" + file + " line 2 is not base64",
                "VAULT_MASTER_KEY_FILE=" + file + " line 3 decodes to 16 bytes; a master key is exactly 32 bytes");
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.fix()).contains(FIX));
        assertThat(e.getMessage()).doesNotContain(good).doesNotContain(shortKey).doesNotContain("this is not a key");
    }

    @Test
    void an_empty_or_missing_key_file_is_an_error_with_the_fix() throws Exception {
        Path empty = Keys.writeFile(dir.resolve("empty"), "# nothing yet", "");
        Path missing = dir.resolve("missing");

        ConfigException noKey = catchThrowableOfType(ConfigException.class, () -> MasterKeys.load(null, empty, dir));
        ConfigException noFile = catchThrowableOfType(ConfigException.class, () -> MasterKeys.load(null, missing, dir));

        assertThat(noKey.getMessage()).contains(empty + " holds no key").contains(FIX);
        assertThat(noFile.getMessage()).contains(missing + " does not exist").contains(FIX);
        assertThat(dir.resolve("vault.key")).doesNotExist(); // a named file is never generated
    }

    @Test
    void reload_picks_up_a_new_first_line_and_keeps_the_old_keys_when_the_file_is_broken() throws Exception {
        String a = Keys.newBase64Key();
        String b = Keys.newBase64Key();
        Path file = Keys.writeFile(dir.resolve("keys"), a);
        MasterKeys keys = MasterKeys.load(null, file, dir);

        Keys.writeFile(file, b, a);
        keys.reload();
        assertThat(keys.keyIds()).containsExactly(Keys.id(b), Keys.id(a));

        Keys.writeFile(file, "not a key!");
        ConfigException e = catchThrowableOfType(ConfigException.class, keys::reload);
        assertThat(e.getMessage()).contains("line 1 is not base64");
        assertThat(keys.keyIds()).containsExactly(Keys.id(b), Keys.id(a));

        Keys.writeFile(file, b);
        keys.reload();
        assertThat(keys.keyIds()).containsExactly(Keys.id(b));
    }

    @Test
    void a_key_file_readable_by_others_is_loaded_with_a_warning() throws Exception {
        Path file = Keys.writeFile(dir.resolve("keys"), Keys.newBase64Key());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        try (LogCapture log = new LogCapture()) {
            MasterKeys.load(null, file, dir);
            assertThat(log.all()).contains("WARN vault key file " + file + " is accessible to others",
                    "chmod 600 " + file);
        }
    }

    @Test
    void loading_logs_key_ids_but_never_keys() throws Exception {
        String a = Keys.newBase64Key();
        String b = Keys.newBase64Key();
        Path file = Keys.writeFile(dir.resolve("keys"), b, a);

        try (LogCapture log = new LogCapture()) {
            MasterKeys keys = MasterKeys.load(null, file, dir);
            keys.reload();
            assertThat(log.all()).contains("current key id " + Keys.id(b), Keys.id(a))
                    .doesNotContain(a).doesNotContain(b);
        }
    }
}
