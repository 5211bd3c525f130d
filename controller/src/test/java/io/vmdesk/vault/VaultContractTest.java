package io.vmdesk.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmdesk.store.Store;
import io.vmdesk.store.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vault's contract, run once per database by the subclasses. Each test gets a fresh database, a key file holding
 * one key (A), and a vault over both. Rows are inspected and tampered with through plain JDBC.
 */
abstract class VaultContractTest {

    @TempDir
    Path dir;

    TestDatabase db;
    Store store;
    String keyA;
    Path keyFile;
    MasterKeys keys;
    Vault vault;

    abstract TestDatabase database(Path dir);

    @BeforeEach
    void openVault() throws Exception {
        db = database(dir);
        store = Store.open(db.url());
        keyA = Keys.newBase64Key();
        keyFile = Keys.writeFile(dir.resolve("vault-keys"), keyA);
        keys = MasterKeys.load(null, keyFile, dir);
        vault = new Vault(store, keys);
    }

    @AfterEach
    void closeVault() throws Exception {
        if (store != null) {
            store.close();
        }
        if (db != null) {
            db.close();
        }
    }

    static String token() {
        return "rt-" + UUID.randomUUID();
    }

    static byte[] credentialFile(String token) {
        return ("{\"claudeAiOauth\":{\"accessToken\":\"at-x\",\"refreshToken\":\"" + token + "\",\"expiresAt\":1}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static String text(Credential c) {
        return new String(c.plaintext(), StandardCharsets.UTF_8);
    }

    // ---- round trip ----

    @Test
    void a_credential_round_trips() {
        String token = token();
        byte[] plaintext = credentialFile(token);
        Instant before = Instant.now().minusMillis(1);

        StoredCredential stored = vault.store("alice", "claude_code", "s1", plaintext);

        assertThat(stored.version()).isEqualTo(1);
        assertThat(stored.keyId()).isEqualTo(Keys.id(keyA));
        assertThat(stored.current()).isTrue();
        try (Credential c = vault.latest("alice", "claude_code").orElseThrow()) {
            assertThat(c.plaintext()).isEqualTo(plaintext);
            assertThat(c.id()).isEqualTo(stored.id());
            assertThat(c.version()).isEqualTo(1);
            assertThat(c.sessionId()).isEqualTo("s1");
            assertThat(c.userId()).isEqualTo("alice");
            assertThat(c.provider()).isEqualTo("claude_code");
            assertThat(c.createdAt()).isEqualTo(stored.createdAt()).isAfter(before).isBeforeOrEqualTo(Instant.now());
            assertThat(c.current()).isTrue();
            assertThat(c.toString()).doesNotContain(token);
        }
        try (Credential c = vault.forSession("s1").orElseThrow()) {
            assertThat(text(c)).contains(token);
        }
        try (Credential c = vault.find(stored.id()).orElseThrow()) {
            assertThat(c.plaintext()).isEqualTo(plaintext);
        }
        assertThat(vault.latest("alice", "codex")).isEmpty();
        assertThat(vault.latest("bob", "claude_code")).isEmpty();
        assertThat(vault.forSession("s2")).isEmpty();
    }

    @Test
    void closing_a_credential_zeroes_its_plaintext() {
        vault.store("alice", "codex", "s1", credentialFile(token()));

        Credential c = vault.latest("alice", "codex").orElseThrow();
        byte[] plaintext = c.plaintext();
        c.close();

        assertThat(plaintext).containsOnly(0);
    }

    @Test
    void the_raw_row_contains_no_plaintext() throws Exception {
        String token = token();
        byte[] plaintext = credentialFile(token);
        StoredCredential stored = vault.store("alice", "codex", "s1", plaintext);

        List<String> columns = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT * FROM credentials WHERE id = ?")) {
            s.setString(1, stored.id());
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                ResultSetMetaData meta = rs.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    String shown = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1)
                            : String.valueOf(value);
                    columns.add(meta.getColumnName(i).toLowerCase());
                    assertThat(shown).as(meta.getColumnName(i)).doesNotContain(token)
                            .doesNotContain(Base64.getEncoder().encodeToString(plaintext))
                            .doesNotContain("refreshToken");
                }
            }
        }
        assertThat(columns).contains("ciphertext", "wrapped_key", "key_nonce", "payload_nonce", "key_id");
    }

    @Test
    void nothing_secret_is_logged() throws Exception {
        String token = token();
        try (LogCapture log = new LogCapture()) {
            vault.store("alice", "codex", "s1", credentialFile(token));
            vault.latest("alice", "codex").orElseThrow().close();
            String keyB = Keys.newBase64Key();
            Keys.writeFile(keyFile, keyB, keyA);
            keys.reload();
            vault.rotate();

            assertThat(log.all()).contains("stored credential").doesNotContain(token).doesNotContain(keyA)
                    .doesNotContain(keyB);
        }
    }

    @Test
    void bad_input_is_refused_before_anything_is_stored() {
        assertThatThrownBy(() -> vault.store("alice", "codex", "s1", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> vault.store("alice", "codex", "s1", new byte[Vault.MAX_PLAINTEXT_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than");
        assertThatThrownBy(() -> vault.store(" ", "codex", "s1", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user id");
        assertThatThrownBy(() -> vault.store("alice", null, "s1", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("provider");
        assertThat(vault.history("alice", "codex")).isEmpty();
    }

    @Test
    void a_credential_without_a_session_is_stored_too() {
        vault.store("alice", "oidc", null, credentialFile("x"));

        try (Credential c = vault.latest("alice", "oidc").orElseThrow()) {
            assertThat(c.sessionId()).isNull();
        }
    }

    // ---- tampering ----

    @ParameterizedTest
    @ValueSource(strings = {"ciphertext", "wrapped_key", "key_nonce", "payload_nonce"})
    void a_flipped_byte_fails_authentication(String column) throws Exception {
        StoredCredential stored = vault.store("alice", "codex", "s1", credentialFile(token()));
        byte[] value = readBytes(stored.id(), column);
        value[value.length / 2] ^= 0x01;
        writeBytes(stored.id(), column, value);

        VaultException e = catchThrowableOfType(VaultException.class, () -> vault.latest("alice", "codex"));

        assertThat(e).as("latest() after flipping a byte of " + column).isNotNull();
        assertThat(e.getMessage()).contains("credential record " + stored.id() + " failed authentication");
        assertThatThrownBy(() -> vault.forSession("s1")).isInstanceOf(VaultException.class);
        assertThatThrownBy(() -> vault.find(stored.id())).isInstanceOf(VaultException.class);
    }

    @Test
    void a_truncated_nonce_fails_authentication() throws Exception {
        StoredCredential stored = vault.store("alice", "codex", "s1", credentialFile(token()));
        writeBytes(stored.id(), "payload_nonce", Arrays.copyOf(readBytes(stored.id(), "payload_nonce"), 8));

        assertThatThrownBy(() -> vault.latest("alice", "codex")).isInstanceOf(VaultException.class)
                .hasMessageContaining("credential record " + stored.id() + " failed authentication");
    }

    @Test
    void an_unknown_key_id_fails_authentication_and_names_the_id() throws Exception {
        StoredCredential stored = vault.store("alice", "codex", "s1", credentialFile(token()));
        update("UPDATE credentials SET key_id = 'deadbeef' WHERE id = ?", stored.id());

        assertThatThrownBy(() -> vault.latest("alice", "codex")).isInstanceOf(VaultException.class)
                .hasMessageContaining("credential record " + stored.id() + " failed authentication")
                .hasMessageContaining("master key id deadbeef, which is not loaded");
    }

    @Test
    void a_wrong_master_key_fails_authentication() throws Exception {
        vault.store("alice", "codex", "s1", credentialFile(token()));
        // A vault with another key, and the row relabelled to claim that key's id: the id matches, the key does not.
        Vault other = new Vault(store, MasterKeys.of(Keys.random(32)));
        String otherId = other.keys().currentKeyId();
        update("UPDATE credentials SET key_id = ?", otherId);

        assertThatThrownBy(() -> other.latest("alice", "codex")).isInstanceOf(VaultException.class)
                .hasMessageContaining("failed authentication").hasMessageContaining("wrapped data key");
    }

    // ---- associated data ----

    @Test
    void ciphertext_fields_copied_into_another_users_row_fail_authentication() throws Exception {
        StoredCredential alice = vault.store("alice", "codex", "s1", credentialFile(token()));
        StoredCredential bob = vault.store("bob", "codex", "s2", credentialFile(token()));

        copyCryptoColumns(alice.id(), bob.id());

        VaultException e = catchThrowableOfType(VaultException.class, () -> vault.latest("bob", "codex"));
        assertThat(e.getMessage()).contains("credential record " + bob.id() + " failed authentication");
        try (Credential c = vault.latest("alice", "codex").orElseThrow()) {
            assertThat(c.id()).isEqualTo(alice.id()); // the source is untouched
        }
    }

    @Test
    void a_row_relabelled_to_another_user_provider_version_or_session_fails_on_its_payload() throws Exception {
        // The data key still unwraps (it is bound to the record id, which is unchanged), so it is the payload's
        // associated data that catches these.
        String[][] relabels = {
            {"UPDATE credentials SET user_id = 'mallory' WHERE id = ?", "mallory", "codex"},
            {"UPDATE credentials SET provider = 'gemini' WHERE id = ?", "alice", "gemini"},
            {"UPDATE credentials SET version = 7 WHERE id = ?", "alice", "codex"},
            {"UPDATE credentials SET session_id = 's9' WHERE id = ?", "alice", "codex"},
        };
        for (String[] relabel : relabels) {
            String user = "alice-" + UUID.randomUUID();
            StoredCredential stored = vault.store(user, "codex", "s1", credentialFile(token()));
            update(relabel[0].replace("'mallory'", "'mallory-" + user + "'"), stored.id());
            String readUser = relabel[1].equals("mallory") ? "mallory-" + user : user;

            VaultException e = catchThrowableOfType(VaultException.class, () -> vault.find(stored.id()));

            assertThat(e).as(relabel[0]).isNotNull();
            assertThat(e.getMessage()).as(relabel[0])
                    .contains("credential record " + stored.id() + " failed authentication")
                    .contains("ciphertext does not verify");
            assertThatThrownBy(() -> vault.latest(readUser, relabel[2])).isInstanceOf(VaultException.class);
        }
    }

    @Test
    void ciphertext_fields_copied_into_another_record_of_the_same_user_fail_authentication() throws Exception {
        StoredCredential v1 = vault.store("alice", "codex", "s1", credentialFile(token()));
        StoredCredential v2 = vault.store("alice", "codex", "s2", credentialFile(token()));

        copyCryptoColumns(v1.id(), v2.id());

        assertThatThrownBy(() -> vault.latest("alice", "codex")).isInstanceOf(VaultException.class)
                .hasMessageContaining("credential record " + v2.id() + " failed authentication");
    }

    // ---- rotation ----

    @Test
    void rotation_rewraps_under_the_new_key_and_the_old_key_can_then_be_removed() throws Exception {
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        for (String user : List.of("alice", "bob", "carol")) {
            String token = token();
            tokens.put(vault.store(user, "gemini", "s-" + user, credentialFile(token)).id(), token);
        }
        String keyB = Keys.newBase64Key();
        Keys.writeFile(keyFile, keyB, keyA);
        keys.reload();
        assertThat(keys.currentKeyId()).isEqualTo(Keys.id(keyB));
        assertThat(vault.recordsByKeyId()).isEqualTo(Map.of(Keys.id(keyA), 3L));

        assertThat(vault.rotate()).isEqualTo(3);

        assertThat(vault.recordsByKeyId()).isEqualTo(Map.of(Keys.id(keyB), 3L));
        assertThat(vault.rotate()).isZero();
        assertAllReadable(tokens);

        Keys.writeFile(keyFile, keyB);
        keys.reload();
        assertThat(keys.keyIds()).containsExactly(Keys.id(keyB));
        assertAllReadable(tokens);
        assertThat(vault.missingKeys()).isEmpty();
    }

    @Test
    void without_rotation_removing_the_old_key_makes_its_records_unreadable_and_that_is_reported() throws Exception {
        StoredCredential stored = vault.store("alice", "codex", "s1", credentialFile(token()));
        Keys.writeFile(keyFile, Keys.newBase64Key());
        keys.reload();

        assertThat(vault.missingKeys()).isEqualTo(Map.of(Keys.id(keyA), 1L));
        assertThatThrownBy(() -> vault.latest("alice", "codex")).isInstanceOf(VaultException.class)
                .hasMessageContaining("master key id " + Keys.id(keyA) + ", which is not loaded");
        VaultException e = catchThrowableOfType(VaultException.class, vault::rotate);
        assertThat(e.getMessage()).contains("could not be unwrapped", stored.id(), "keep the old keys");
    }

    @Test
    void rotation_is_safe_while_credentials_are_read_and_stored() throws Exception {
        Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < 30; i++) {
            String token = token();
            tokens.put(vault.store("user" + i, "copilot", "s" + i, credentialFile(token)).id(), token);
        }
        Keys.writeFile(keyFile, Keys.newBase64Key(), keyA);
        keys.reload();

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                workers.add(pool.submit(() -> {
                    int reads = 0;
                    while (!stop.get()) {
                        for (Map.Entry<String, String> e : tokens.entrySet()) {
                            try (Credential c = vault.find(e.getKey()).orElseThrow()) {
                                assertThat(text(c)).contains(e.getValue());
                            }
                            reads++;
                        }
                    }
                    return reads;
                }));
            }
            Future<Integer> writer = pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    String token = token();
                    tokens.put(vault.store("writer", "oidc", "w" + n, credentialFile(token)).id(), token);
                    n++;
                }
                return n;
            });
            int rewrapped = vault.rotate();
            stop.set(true);
            for (Future<Integer> f : workers) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
            }
            writer.get(60, TimeUnit.SECONDS);
            assertThat(rewrapped).isEqualTo(30); // the writer's records are already under the new key
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        assertThat(vault.rotate()).isZero();
        assertThat(vault.recordsByKeyId()).containsOnlyKeys(keys.currentKeyId());
        assertAllReadable(tokens);
    }

    // ---- versions ----

    @Test
    void a_second_store_is_version_2_and_supersedes_the_first() {
        String first = token();
        String second = token();
        StoredCredential v1 = vault.store("alice", "codex", "s1", credentialFile(first));
        StoredCredential v2 = vault.store("alice", "codex", "s2", credentialFile(second));
        StoredCredential other = vault.store("alice", "gemini", "s3", credentialFile(token()));

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(other.version()).isEqualTo(1); // versions count per (user, provider)
        try (Credential c = vault.latest("alice", "codex").orElseThrow()) {
            assertThat(c.version()).isEqualTo(2);
            assertThat(text(c)).contains(second);
        }
        List<StoredCredential> history = vault.history("alice", "codex");
        assertThat(history).extracting(StoredCredential::version).containsExactly(1, 2);
        assertThat(history.get(0).supersededAt()).isNotNull();
        assertThat(history.get(1).supersededAt()).isNull();
        // The older row is kept, and the session that stored it can still find it, marked as not current.
        try (Credential c = vault.forSession("s1").orElseThrow()) {
            assertThat(c.version()).isEqualTo(1);
            assertThat(c.current()).isFalse();
            assertThat(text(c)).contains(first);
        }
    }

    @Test
    void concurrent_stores_get_versions_1_to_8_without_gaps_or_duplicates() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<StoredCredential>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                String token = "thread-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return vault.store("alice", "claude_code", "s-" + token, credentialFile(token));
                }));
            }
            start.countDown();
            Set<Integer> versions = new HashSet<>();
            for (Future<StoredCredential> f : results) {
                versions.add(f.get(60, TimeUnit.SECONDS).version());
            }
            assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);
        } finally {
            pool.shutdownNow();
        }

        List<StoredCredential> history = vault.history("alice", "claude_code");
        assertThat(history).extracting(StoredCredential::version).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(history).filteredOn(StoredCredential::current).hasSize(1)
                .extracting(StoredCredential::version).containsExactly(8);
        for (StoredCredential s : history) {
            try (Credential c = vault.find(s.id()).orElseThrow()) {
                assertThat(c.version()).isEqualTo(s.version());
                assertThat(text(c)).contains("thread-");
            }
        }
        try (Credential latest = vault.latest("alice", "claude_code").orElseThrow()) {
            assertThat(latest.version()).isEqualTo(8);
            assertThat("s-" + text(latest).replaceAll(".*\"refreshToken\":\"([^\"]+)\".*", "$1"))
                    .isEqualTo(latest.sessionId());
        }
    }

    // ---- helpers ----

    void assertAllReadable(Map<String, String> tokens) {
        for (Map.Entry<String, String> e : tokens.entrySet()) {
            try (Credential c = vault.find(e.getKey()).orElseThrow()) {
                assertThat(text(c)).contains(e.getValue());
            }
        }
    }

    byte[] readBytes(String id, String column) throws Exception {
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT " + column + " FROM credentials WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    void writeBytes(String id, String column, byte[] value) throws Exception {
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("UPDATE credentials SET " + column + " = ? WHERE id = ?")) {
            s.setBytes(1, value);
            s.setString(2, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    void update(String sql, String... params) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setString(i + 1, params[i]);
            }
            assertThat(s.executeUpdate()).isPositive();
        }
    }

    /** Copies every encryption column of one row over another's, as an attacker with write access to the table could. */
    void copyCryptoColumns(String fromId, String toId) throws Exception {
        update("UPDATE credentials SET key_id = (SELECT key_id FROM credentials WHERE id = ?) WHERE id = ?", fromId, toId);
        for (String column : List.of("wrapped_key", "key_nonce", "payload_nonce", "ciphertext")) {
            writeBytes(toId, column, readBytes(fromId, column));
        }
    }
}
