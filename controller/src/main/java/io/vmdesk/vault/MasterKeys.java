package io.vmdesk.vault;

import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import io.vmdesk.config.ConfigException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's master keys (key-encryption keys): the current one, which wraps every new data key, and older ones that
 * are still accepted for unwrapping until {@link Vault#rotate()} has re-wrapped everything under the current one.
 * Each key is known by an id, the first 8 hex digits of the SHA-256 of its bytes; ids are stored with each record and
 * appear in logs, keys never do.
 *
 * <p>Where the keys come from (see {@link #load(Config)}):
 * <ul>
 *   <li>VAULT_MASTER_KEY: one key, base64 of 32 bytes. It cannot be rotated in place.</li>
 *   <li>VAULT_MASTER_KEY_FILE: one base64 key per line; the FIRST is current, the others are older keys. Blank lines
 *       and lines starting with {@code #} are ignored. Rotation without downtime: put a new key on top, {@link
 *       #reload()} (or restart), run {@link Vault#rotate()}, then remove the old line (and reload).</li>
 *   <li>Neither: DATA_DIR/vault.key, generated with mode 0600 on first start (and said so in the log), then read like
 *       VAULT_MASTER_KEY_FILE, so it can be rotated the same way.</li>
 * </ul>
 * Thread-safe: {@link #reload()} swaps the whole key set at once, so a reader sees either the old or the new set.
 */
public final class MasterKeys {

    private static final Logger log = LoggerFactory.getLogger(MasterKeys.class);

    /** AES-256. */
    public static final int KEY_BYTES = 32;
    /** Name of the key file generated in DATA_DIR when neither vault setting is given. */
    public static final String GENERATED_FILE_NAME = "vault.key";
    /** The command that makes a good key. */
    static final String GENERATE_COMMAND = "head -c 32 /dev/urandom | base64";

    private static final String KEY_VARIABLE = "VAULT_MASTER_KEY";
    private static final String FILE_VARIABLE = "VAULT_MASTER_KEY_FILE";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One master key; its toString shows the id only. */
    record Key(String id, SecretKey secret) {
        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    /** Immutable; replaced as a whole by reload. {@code byId} iterates current first, then in file order. */
    private record KeySet(Key current, Map<String, Key> byId) {
    }

    private enum Kind { GIVEN, ENV, FILE, GENERATED }

    private final Kind kind;
    private final Path file;
    private final Object reloadLock = new Object();
    private volatile KeySet keys;

    private MasterKeys(Kind kind, Path file, KeySet keys) {
        this.kind = kind;
        this.file = file;
        this.keys = keys;
    }

    /**
     * The keys the configuration names: VAULT_MASTER_KEY, or VAULT_MASTER_KEY_FILE, or else DATA_DIR/vault.key,
     * generated if missing.
     *
     * @throws ConfigException naming the setting, the file and line, and the fix, if the keys cannot be loaded
     */
    public static MasterKeys load(Config config) throws ConfigException {
        return load(config.vaultMasterKey(), config.vaultMasterKeyFile(), config.dataDir());
    }

    /**
     * As {@link #load(Config)}, from the individual values: {@code base64Key} (VAULT_MASTER_KEY) or {@code keyFile}
     * (VAULT_MASTER_KEY_FILE) or neither, in which case {@code dataDir} gets a generated key file.
     */
    public static MasterKeys load(String base64Key, Path keyFile, Path dataDir) throws ConfigException {
        if (base64Key != null && keyFile != null) {
            throw new ConfigException(List.of(new Problem(KEY_VARIABLE, KEY_VARIABLE + " and " + FILE_VARIABLE + "="
                    + keyFile + " are both set, but only one may be", "unset one of them; to keep the key and be able"
                    + " to rotate it, put the value of " + KEY_VARIABLE + " as the first line of " + keyFile)));
        }
        MasterKeys loaded;
        if (base64Key != null) {
            loaded = new MasterKeys(Kind.ENV, null, fromVariable(base64Key));
        } else if (keyFile != null) {
            loaded = new MasterKeys(Kind.FILE, keyFile, readFile(keyFile, Kind.FILE));
        } else {
            Objects.requireNonNull(dataDir, "dataDir (DATA_DIR) is needed to generate the vault key file");
            Path generated = dataDir.resolve(GENERATED_FILE_NAME);
            if (!Files.exists(generated)) {
                generate(generated);
            }
            loaded = new MasterKeys(Kind.GENERATED, generated, readFile(generated, Kind.GENERATED));
        }
        loaded.logLoaded("loaded");
        return loaded;
    }

    /** Keys given in code (tests, tools): the first is current. The arrays are copied, not kept. */
    static MasterKeys of(byte[] current, byte[]... older) {
        List<byte[]> all = new ArrayList<>();
        all.add(current);
        all.addAll(Arrays.asList(older));
        Map<String, Key> byId = new LinkedHashMap<>();
        for (byte[] k : all) {
            if (k.length != KEY_BYTES) {
                throw new IllegalArgumentException("a master key is " + KEY_BYTES + " bytes, not " + k.length);
            }
            Key key = key(k);
            byId.putIfAbsent(key.id(), key);
        }
        return new MasterKeys(Kind.GIVEN, null, new KeySet(byId.values().iterator().next(), Map.copyOf(byId)));
    }

    /** The id of the key every new data key is wrapped with. */
    public String currentKeyId() {
        return keys.current().id();
    }

    /** Every accepted key id, the current one first. */
    public List<String> keyIds() {
        return List.copyOf(keys.byId().keySet());
    }

    /** The key file read (and re-read by {@link #reload()}), or null when the key came from VAULT_MASTER_KEY. */
    public Path file() {
        return file;
    }

    /**
     * Re-reads the key file, so a key added on top becomes current and a removed one stops being accepted. If the
     * file is unreadable or malformed, the keys in use stay as they were and the problem is thrown. A key from
     * VAULT_MASTER_KEY has no file: then this only logs that there is nothing to reload.
     */
    public void reload() throws ConfigException {
        if (file == null) {
            log.info("vault master key comes from {}: nothing to reload (use {} to rotate keys)",
                    kind == Kind.ENV ? KEY_VARIABLE : "code", FILE_VARIABLE);
            return;
        }
        reload(java.util.Set.of());
    }

    /**
     * As {@link #reload()}, but only if the file still holds every key id in {@code required} (those stored records
     * are wrapped by); otherwise the keys in use stay and IllegalStateException names what is missing.
     */
    public void reload(java.util.Set<String> required) throws ConfigException {
        if (file == null) {
            return;
        }
        synchronized (reloadLock) {
            KeySet before = keys;
            KeySet next = readFile(file, kind);
            List<String> missing = required.stream().filter(id -> !next.byId().containsKey(id)).sorted().toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException("the key file " + file + " lacks key id(s) " + missing
                        + " that stored credentials are still wrapped by; keep those lines until rotation has run");
            }
            keys = next;
            List<String> dropped = before.byId().keySet().stream().filter(id -> !keys.byId().containsKey(id)).toList();
            logLoaded("reloaded");
            if (!before.current().id().equals(keys.current().id())) {
                log.info("vault master key changed from key id {} to {}: run the rotation to re-wrap the data keys",
                        before.current().id(), keys.current().id());
            }
            if (!dropped.isEmpty()) {
                log.info("vault master key ids no longer accepted: {} (records still wrapped by them cannot be read)",
                        String.join(", ", dropped));
            }
        }
    }

    Key current() {
        return keys.current();
    }

    Optional<Key> find(String id) {
        return Optional.ofNullable(id == null ? null : keys.byId().get(id));
    }

    /** The first 8 hex digits of the SHA-256 of the key bytes. */
    public static String keyId(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKeys[current=" + currentKeyId() + ", accepted=" + keyIds() + ", from=" + source() + "]";
    }

    // ---- loading ----

    private String source() {
        return switch (kind) {
            case GIVEN -> "code";
            case ENV -> KEY_VARIABLE;
            case FILE -> FILE_VARIABLE + "=" + file;
            case GENERATED -> "generated key file " + file;
        };
    }

    private void logLoaded(String verb) {
        KeySet k = keys;
        List<String> older = k.byId().keySet().stream().filter(id -> !id.equals(k.current().id())).toList();
        log.info("vault master keys {} from {}: current key id {}{}", verb, source(), k.current().id(),
                older.isEmpty() ? "" : "; older key ids, for decryption only: " + String.join(", ", older));
    }

    private static Key key(byte[] bytes) {
        return new Key(keyId(bytes), new SecretKeySpec(bytes, "AES"));
    }

    private static KeySet fromVariable(String base64) throws ConfigException {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(new Problem(KEY_VARIABLE, KEY_VARIABLE + "='***' is not base64",
                    keyFix())));
        }
        try {
            if (decoded.length != KEY_BYTES) {
                throw new ConfigException(List.of(new Problem(KEY_VARIABLE, KEY_VARIABLE + "='***' decodes to "
                        + decoded.length + " bytes; a master key is exactly " + KEY_BYTES + " bytes", keyFix())));
            }
            Key key = key(decoded);
            return new KeySet(key, Map.of(key.id(), key));
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static String keyFix() {
        return "generate a key with `" + GENERATE_COMMAND + "` and set " + KEY_VARIABLE + " to its output (or put it"
                + " on the first line of " + FILE_VARIABLE + ")";
    }

    /** Reads every key line; collects every malformed line before failing. Never puts key material in a message. */
    private static KeySet readFile(Path file, Kind kind) throws ConfigException {
        String name = kind == Kind.GENERATED ? "the generated vault key file " + file : FILE_VARIABLE + "=" + file;
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw fileProblem(name + " does not exist", kind == Kind.GENERATED
                    ? "restore " + file + " from your backup: the credentials stored under it cannot be decrypted"
                            + " without it"
                    : "create it with `" + GENERATE_COMMAND + " > " + file + " && chmod 600 " + file + "`, or unset "
                            + FILE_VARIABLE + " to have the controller generate DATA_DIR/" + GENERATED_FILE_NAME);
        } catch (AccessDeniedException e) {
            throw fileProblem(name + " cannot be read: permission denied", "make it readable by the user the"
                    + " controller runs as, and by nobody else (chmod 600 " + file + ")");
        } catch (IOException e) {
            throw fileProblem(name + " cannot be read (" + e + ")", "make " + file + " a readable file of base64 keys");
        }
        List<Problem> problems = new ArrayList<>();
        Map<String, Key> byId = new LinkedHashMap<>();
        Map<String, byte[]> digests = new LinkedHashMap<>();
        try {
            int lineNumber = 0;
            int start = 0;
            for (int i = 0; i <= content.length; i++) {
                if (i < content.length && content[i] != '\n') {
                    continue;
                }
                lineNumber++;
                int from = start;
                int to = i;
                start = i + 1;
                while (from < to && isBlank(content[from])) {
                    from++;
                }
                while (to > from && isBlank(content[to - 1])) {
                    to--;
                }
                if (from == to || content[from] == '#') {
                    continue;
                }
                byte[] line = Arrays.copyOfRange(content, from, to);
                byte[] decoded = null;
                try {
                    decoded = Base64.getDecoder().decode(line);
                } catch (IllegalArgumentException e) {
                    problems.add(lineProblem(name, lineNumber, "is not base64", file));
                    continue;
                } finally {
                    Arrays.fill(line, (byte) 0);
                }
                try {
                    if (decoded.length != KEY_BYTES) {
                        problems.add(lineProblem(name, lineNumber, "decodes to " + decoded.length
                                + " bytes; a master key is exactly " + KEY_BYTES + " bytes", file));
                        continue;
                    }
                    Key key = key(decoded);
                    byte[] digest = sha256(decoded);
                    byte[] seen = digests.get(key.id());
                    if (seen == null) {
                        byId.put(key.id(), key);
                        digests.put(key.id(), digest);
                    } else if (!MessageDigest.isEqual(seen, digest)) {
                        // Two different keys with the same id: the id could not say which one wraps a record.
                        problems.add(lineProblem(name, lineNumber, "has the same key id (" + key.id()
                                + ") as a different key above it", file));
                    }
                    // The same key twice is harmless: the first occurrence counts.
                } finally {
                    Arrays.fill(decoded, (byte) 0);
                }
            }
        } finally {
            Arrays.fill(content, (byte) 0);
        }
        if (problems.isEmpty() && byId.isEmpty()) {
            problems.add(new Problem(FILE_VARIABLE, name + " holds no key", "put a key made by `" + GENERATE_COMMAND
                    + "` on its first line"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        warnIfShared(file);
        return new KeySet(byId.values().iterator().next(), Collections.unmodifiableMap(byId));
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    private static Problem lineProblem(String name, int line, String what, Path file) {
        return new Problem(FILE_VARIABLE, name + " line " + line + " " + what, "correct line " + line + " of " + file
                + ": every key line must be the base64 of exactly " + KEY_BYTES + " random bytes, as made by `"
                + GENERATE_COMMAND + "` (blank lines and lines starting with # are ignored)");
    }

    private static ConfigException fileProblem(String message, String fix) {
        return new ConfigException(List.of(new Problem(FILE_VARIABLE, message, fix)));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Key files should be readable by the controller only; a wider mode is worth a warning, not a refusal. */
    private static void warnIfShared(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                log.warn("vault key file {} is accessible to others (mode {}); run: chmod 600 {}", file,
                        PosixFilePermissions.toString(perms), file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system, or the mode cannot be read: nothing useful to say.
        }
    }

    /**
     * Writes a new random key to {@code file} with mode 0600, unless the file appears meanwhile (another controller
     * sharing DATA_DIR won the race: its key is the one to use). The key is written completely to a private
     * temporary file first and then hard-linked into place, which fails rather than replaces if the file exists, so
     * a reader never sees half a key and a key in use is never overwritten.
     */
    private static void generate(Path file) throws ConfigException {
        Path dir = file.toAbsolutePath().getParent();
        byte[] key = new byte[KEY_BYTES];
        byte[] line = null;
        Path temp = null;
        try {
            RANDOM.nextBytes(key);
            String id = keyId(key);
            byte[] encoded = Base64.getEncoder().encode(key);
            line = Arrays.copyOf(encoded, encoded.length + 1);
            line[encoded.length] = '\n';
            Arrays.fill(encoded, (byte) 0);

            Files.createDirectories(dir);
            // createTempFile makes the file rw------- on POSIX file systems; set it again to be independent of that.
            temp = Files.createTempFile(dir, "." + GENERATED_FILE_NAME + ".", ".tmp");
            ownerOnly(temp);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(line));
                out.force(true);
            }
            boolean created;
            try {
                Files.createLink(file, temp);
                created = true;
            } catch (FileAlreadyExistsException e) {
                created = false;
            } catch (UnsupportedOperationException | IOException noHardLinks) {
                try {
                    Files.move(temp, file); // without REPLACE_EXISTING: refuses to overwrite
                    created = true;
                } catch (FileAlreadyExistsException e) {
                    created = false;
                }
            }
            if (created) {
                syncDirectory(dir);
                log.warn("generated a new vault master key (key id {}) in {} with mode 0600, because neither {} nor {}"
                        + " is set. Back this file up: the credentials stored under it cannot be decrypted without it.",
                        id, file, KEY_VARIABLE, FILE_VARIABLE);
            } else {
                log.info("vault key file {} was generated meanwhile by another process; using it", file);
            }
        } catch (IOException e) {
            throw fileProblem("cannot generate the vault key file " + file + " (" + e + ")", "make DATA_DIR (" + dir
                    + ") writable by the controller, or set " + FILE_VARIABLE + " to a key file made with `"
                    + GENERATE_COMMAND + "`");
        } finally {
            Arrays.fill(key, (byte) 0);
            if (line != null) {
                Arrays.fill(line, (byte) 0);
            }
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    log.warn("could not remove the temporary file {}: {}", temp, e.toString());
                }
            }
        }
    }

    private static void ownerOnly(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, OWNER_ONLY);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the platform's defaults apply.
        }
    }

    /** So the new directory entry survives a crash; best effort (not every platform can open a directory). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            log.debug("could not sync directory {}: {}", dir, e.toString());
        }
    }
}
