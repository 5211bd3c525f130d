package io.vmdesk.vault;

import io.vmdesk.store.CredentialRepository;
import io.vmdesk.store.CredentialRow;
import io.vmdesk.store.Store;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credentials at rest, encrypted with envelope encryption (research notes, oauth.md §3.5):
 * <ul>
 *   <li>each record gets a fresh random 256-bit data key and a fresh 96-bit nonce; the credential is encrypted with
 *       AES-256-GCM (128-bit tag) under that data key;</li>
 *   <li>the data key is stored only wrapped: AES-256-GCM under the current master key ({@link MasterKeys}), with its
 *       own fresh nonce, and the wrapped key's associated data binds it to the record id;</li>
 *   <li>the payload's associated data binds user id, provider, record id, version and session id, so a ciphertext
 *       copied to another user's or provider's row, to another record or version, fails to decrypt.</li>
 * </ul>
 * A failure to authenticate is always a {@link VaultException} naming the record; garbage is never returned.
 * Nothing secret is logged (ids only), and the data keys and intermediate plaintexts are zeroed after use.
 *
 * <p>Versions: every credential stored for the same (user, provider) gets the next version number and supersedes
 * the older ones, which are kept (marked superseded). Thread-safe, and safe with several controllers on one database.
 */
public final class Vault {

    private static final Logger log = LoggerFactory.getLogger(Vault.class);

    /** Layout of the associated data below; stored per record so that a future layout can tell the two apart. */
    static final int AAD_VERSION = 1;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int DATA_KEY_BYTES = 32;
    /** Credential files are a few kilobytes; anything this large is a mistake or an attack on memory. */
    public static final int MAX_PLAINTEXT_BYTES = 1 << 20;
    private static final int ROTATION_PAGE = 100;
    private static final byte[] PAYLOAD_LABEL = "vmdesk-vault/credential/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_KEY_LABEL = "vmdesk-vault/data-key/v1".getBytes(StandardCharsets.US_ASCII);
    private static final String CIPHER = "AES/GCM/NoPadding";

    private final CredentialRepository credentials;
    private final MasterKeys keys;
    private final SecureRandom random = new SecureRandom();

    public Vault(Store store, MasterKeys keys) {
        this(store.credentials(), keys);
    }

    public Vault(CredentialRepository credentials, MasterKeys keys) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    public MasterKeys keys() {
        return keys;
    }

    /**
     * Encrypts and stores a credential as the next version for (userId, provider), superseding the older ones.
     * The caller keeps ownership of {@code plaintext} (it is not zeroed here; zero it when done).
     *
     * @param sessionId the login session that handed it back; may be null
     * @throws IllegalArgumentException if userId or provider is blank, or plaintext is empty or over 1 MiB
     */
    public StoredCredential store(String userId, String provider, String sessionId, byte[] plaintext) {
        requireText(userId, "user id");
        requireText(provider, "provider");
        Objects.requireNonNull(plaintext, "plaintext");
        if (plaintext.length == 0) {
            throw new IllegalArgumentException("an empty credential cannot be stored");
        }
        if (plaintext.length > MAX_PLAINTEXT_BYTES) {
            throw new IllegalArgumentException("a credential of " + plaintext.length + " bytes is larger than the "
                    + MAX_PLAINTEXT_BYTES + " bytes the vault accepts");
        }
        MasterKeys.Key master = keys.current();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // Built anew for each attempt: the version is part of the associated data, and a lost race changes it.
        CredentialRow row = credentials.insertNextVersion(userId, provider,
                version -> encrypt(UUID.randomUUID().toString(), userId, provider, sessionId, version, master, now,
                        plaintext));
        log.info("vault: stored credential {} version {} for user {} provider {} (session {}, master key {})",
                row.id(), row.version(), userId, provider, sessionId, row.keyId());
        return metadata(row);
    }

    /** The newest version for (userId, provider), decrypted; empty if none was ever stored. */
    public Optional<Credential> latest(String userId, String provider) {
        requireText(userId, "user id");
        requireText(provider, "provider");
        return credentials.latest(userId, provider).map(this::decrypt);
    }

    /**
     * The credential the login session handed back, decrypted: its newest if it handed back several. It may have
     * been superseded since by another session's; {@link Credential#current()} says so.
     */
    public Optional<Credential> forSession(String sessionId) {
        requireText(sessionId, "session id");
        return credentials.latestForSession(sessionId).map(this::decrypt);
    }

    /** The credential with this record id, decrypted. */
    public Optional<Credential> find(String id) {
        requireText(id, "record id");
        return credentials.find(id).map(this::decrypt);
    }

    /** Every version stored for (userId, provider), oldest first, without decrypting anything. */
    public List<StoredCredential> history(String userId, String provider) {
        return credentials.history(userId, provider).stream().map(Vault::metadata).toList();
    }

    /**
     * Re-wraps every data key not wrapped by the current master key, under the current one, and returns how many it
     * re-wrapped. Payloads are not touched. Safe while the controller serves: a record's new wrapping is written in
     * one statement, and only if nobody re-wrapped it meanwhile (compare-and-set), and both keys stay loaded until
     * the operator removes the old one, so readers see either wrapping and can unwrap both.
     *
     * @throws VaultException after re-wrapping all it can, if some records could not be unwrapped (unknown key id or
     *                        failed authentication): their old master keys must stay in the key file
     */
    public int rotate() {
        MasterKeys.Key target = keys.current();
        int rewrapped = 0;
        List<String> failed = new ArrayList<>();
        String after = "";
        while (true) {
            List<CredentialRow> page = credentials.wrappedByOtherThan(target.id(), after, ROTATION_PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (CredentialRow row : page) {
                after = row.id();
                byte[] dataKey = null;
                try {
                    dataKey = unwrap(row);
                    byte[] nonce = nonce();
                    byte[] wrapped = wrap(target, row.id(), dataKey, nonce);
                    if (credentials.rewrap(row.id(), row.keyId(), row.keyNonce(), target.id(), wrapped, nonce)) {
                        rewrapped++;
                    }
                } catch (VaultException e) {
                    failed.add(row.id());
                    log.warn("vault rotation: {}", e.getMessage());
                } finally {
                    zero(dataKey);
                }
            }
        }
        log.info("vault rotation: re-wrapped {} data key(s) under master key {}", rewrapped, target.id());
        if (!failed.isEmpty()) {
            throw new VaultException("rotation re-wrapped " + rewrapped + " data key(s) under master key " + target.id()
                    + " but " + failed.size() + " record(s) could not be unwrapped and still use their old master key: "
                    + String.join(", ", failed.subList(0, Math.min(20, failed.size())))
                    + (failed.size() > 20 ? ", ..." : "") + "; keep the old keys in the key file");
        }
        return rewrapped;
    }

    /** How many records each master key id wraps: once only the current id is left, older keys can be removed. */
    public Map<String, Long> recordsByKeyId() {
        return credentials.countByKeyId();
    }

    /**
     * Master key ids that wrap stored records but are not loaded, with how many records each: those records cannot
     * be read. Worth checking at startup: a lost or replaced key file shows up here. Logs a warning if any.
     */
    public Map<String, Long> missingKeys() {
        List<String> loaded = keys.keyIds();
        Map<String, Long> missing = new TreeMap<>(recordsByKeyId());
        missing.keySet().removeAll(loaded);
        if (!missing.isEmpty()) {
            log.warn("vault: stored credentials are wrapped by master key ids that are not loaded: {} (loaded: {});"
                    + " they cannot be decrypted until those keys are added to the key file", missing, loaded);
        }
        return Map.copyOf(missing);
    }

    // ---- encryption ----

    private CredentialRow encrypt(String id, String userId, String provider, String sessionId, int version,
            MasterKeys.Key master, Instant createdAt, byte[] plaintext) {
        byte[] dataKey = new byte[DATA_KEY_BYTES];
        try {
            random.nextBytes(dataKey);
            byte[] keyNonce = nonce();
            byte[] wrapped = wrap(master, id, dataKey, keyNonce);
            byte[] payloadNonce = nonce();
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(TAG_BITS, payloadNonce));
            cipher.updateAAD(payloadAad(userId, provider, id, version, sessionId));
            byte[] ciphertext = cipher.doFinal(plaintext);
            return new CredentialRow(id, userId, provider, sessionId, version, master.id(), wrapped, keyNonce,
                    payloadNonce, ciphertext, AAD_VERSION, createdAt, null);
        } catch (GeneralSecurityException e) {
            throw new VaultException("cannot encrypt a credential for user " + userId + " and provider " + provider
                    + ": " + e.getClass().getSimpleName(), e);
        } finally {
            zero(dataKey);
        }
    }

    private Credential decrypt(CredentialRow row) {
        if (row.aadVersion() != AAD_VERSION) {
            throw new VaultException("credential record " + row.id() + " has associated-data layout version "
                    + row.aadVersion() + ", which this vault does not know (it knows " + AAD_VERSION + ")");
        }
        byte[] dataKey = unwrap(row);
        try {
            requireNonce(row, row.payloadNonce(), "payload");
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, "AES"),
                    new GCMParameterSpec(TAG_BITS, row.payloadNonce()));
            cipher.updateAAD(payloadAad(row.userId(), row.provider(), row.id(), row.version(), row.sessionId()));
            byte[] plaintext = cipher.doFinal(row.ciphertext());
            log.debug("vault: decrypted credential {} version {} for user {} provider {}", row.id(), row.version(),
                    row.userId(), row.provider());
            return new Credential(row.id(), row.userId(), row.provider(), row.sessionId(), row.version(),
                    row.createdAt(), row.supersededAt(), plaintext);
        } catch (AEADBadTagException e) {
            throw new VaultException("credential record " + row.id() + " failed authentication: its ciphertext does not"
                    + " verify (it was tampered with, or copied from another user, provider, record or version)", e);
        } catch (GeneralSecurityException e) {
            throw new VaultException("credential record " + row.id() + " failed authentication: cannot decrypt it ("
                    + e.getClass().getSimpleName() + ")", e);
        } finally {
            zero(dataKey);
        }
    }

    private static byte[] wrap(MasterKeys.Key master, String recordId, byte[] dataKey, byte[] nonce) {
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.ENCRYPT_MODE, master.secret(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(dataKeyAad(recordId));
            return cipher.doFinal(dataKey);
        } catch (GeneralSecurityException e) {
            throw new VaultException("cannot wrap the data key of credential record " + recordId + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The record's data key; the caller zeroes it. */
    private byte[] unwrap(CredentialRow row) {
        MasterKeys.Key master = keys.find(row.keyId()).orElseThrow(() -> new VaultException("credential record "
                + row.id() + " failed authentication: its data key is wrapped by master key id " + row.keyId()
                + ", which is not loaded (loaded: " + String.join(", ", keys.keyIds()) + "); add that key to the"
                + " key file, or the record was tampered with"));
        requireNonce(row, row.keyNonce(), "data key");
        byte[] dataKey;
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.DECRYPT_MODE, master.secret(), new GCMParameterSpec(TAG_BITS, row.keyNonce()));
            cipher.updateAAD(dataKeyAad(row.id()));
            dataKey = cipher.doFinal(row.wrappedKey());
        } catch (AEADBadTagException e) {
            throw new VaultException("credential record " + row.id() + " failed authentication: its wrapped data key"
                    + " does not verify under master key " + master.id() + " (it was tampered with, or copied from"
                    + " another record)", e);
        } catch (GeneralSecurityException e) {
            throw new VaultException("credential record " + row.id() + " failed authentication: cannot unwrap its data"
                    + " key (" + e.getClass().getSimpleName() + ")", e);
        }
        if (dataKey.length != DATA_KEY_BYTES) {
            zero(dataKey);
            throw new VaultException("credential record " + row.id() + " failed authentication: its data key has the"
                    + " wrong length");
        }
        return dataKey;
    }

    private static void requireNonce(CredentialRow row, byte[] nonce, String what) {
        if (nonce == null || nonce.length != NONCE_BYTES) {
            throw new VaultException("credential record " + row.id() + " failed authentication: its " + what
                    + " nonce has " + (nonce == null ? 0 : nonce.length) + " bytes instead of " + NONCE_BYTES);
        }
    }

    private byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return n;
    }

    /**
     * Label, then each field length-prefixed (so no two different field lists encode the same), then the version.
     * A null session id is encoded as length -1, distinct from an empty one.
     */
    static byte[] payloadAad(String userId, String provider, String recordId, int version, String sessionId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PAYLOAD_LABEL);
        field(out, userId);
        field(out, provider);
        field(out, recordId);
        out.writeBytes(ByteBuffer.allocate(4).putInt(version).array());
        field(out, sessionId);
        return out.toByteArray();
    }

    static byte[] dataKeyAad(String recordId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(DATA_KEY_LABEL);
        field(out, recordId);
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String value) {
        byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes == null ? -1 : bytes.length).array());
        if (bytes != null) {
            out.writeBytes(bytes);
        }
    }

    private static StoredCredential metadata(CredentialRow row) {
        return new StoredCredential(row.id(), row.userId(), row.provider(), row.sessionId(), row.version(), row.keyId(),
                row.createdAt(), row.supersededAt());
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
    }

    private static void zero(byte[] bytes) {
        if (bytes != null) {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
