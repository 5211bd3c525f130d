package io.vmdesk.vault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/** Test keys: random 32-byte keys, their base64 form, and key files. */
final class Keys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {
    }

    static byte[] random(int bytes) {
        byte[] key = new byte[bytes];
        RANDOM.nextBytes(key);
        return key;
    }

    static String base64(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    static String newBase64Key() {
        return base64(random(32));
    }

    static String id(String base64Key) {
        return MasterKeys.keyId(Base64.getDecoder().decode(base64Key));
    }

    /** Writes the lines (keys, comments, blanks) as the whole file. */
    static Path writeFile(Path file, String... lines) throws IOException {
        Files.write(file, List.of(lines));
        return file;
    }
}
