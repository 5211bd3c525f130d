package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {
    @TempDir
    Path home;

    @Test
    void writesPrivateFilesInPrivateNewDirectories() throws Exception {
        List<Path> created = new ArrayList<>();
        Path file = home.resolve(".config/vmdesk/oidc/credentials.json");
        SecureFiles.writePrivate(file, "{}".getBytes(StandardCharsets.UTF_8), created);

        assertThat(created).containsExactly(home.resolve(".config"), home.resolve(".config/vmdesk"),
                home.resolve(".config/vmdesk/oidc"));
        for (Path d : created) {
            assertThat(Files.getPosixFilePermissions(d)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(file).hasContent("{}");

        // An existing, too-open file is tightened when rewritten.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SecureFiles.writePrivate(file, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), created);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(file).hasContent("{\"a\":1}");
    }

    @Test
    void wipeOverwritesWithZerosBeforeDeleting() throws Exception {
        Path file = home.resolve("creds.json");
        byte[] secret = "{\"refresh_token\":\"very-secret\"}".repeat(5000).getBytes(StandardCharsets.UTF_8);
        Files.write(file, secret);
        // an open descriptor still sees the inode after the name is gone
        try (java.nio.channels.FileChannel open = java.nio.channels.FileChannel.open(file)) {
            assertThat(SecureFiles.wipe(file)).isTrue();

            assertThat(file).doesNotExist();
            java.nio.ByteBuffer after = java.nio.ByteBuffer.allocate(secret.length);
            while (after.hasRemaining() && open.read(after, after.position()) > 0) {
                // read it all
            }
            assertThat(after.array()).containsOnly((byte) 0);
        }
        assertThat(SecureFiles.wipe(file)).isFalse();
    }

    @Test
    void wipeNeverOverwritesAFileThatHasAnotherName() throws Exception {
        Path elsewhere = Files.createTempFile("vmdesk-host-file-", ".json");
        Files.writeString(elsewhere, "host data");
        Path file = home.resolve("creds.json");
        Files.createLink(file, elsewhere); // a hard link planted in HOME
        assertThat(Harvester.collect(home, List.of(new Recipe.Harvest("~/creds.json", List.of()))).problem())
                .contains("hard links");

        assertThat(SecureFiles.wipe(file)).isTrue();

        assertThat(file).doesNotExist();
        assertThat(Files.readString(elsewhere)).isEqualTo("host data");
        Files.delete(elsewhere);
    }

    @Test
    void harvesterRefusesAFileReachedThroughALinkedDirectory() throws Exception {
        Path outside = Files.createTempDirectory("vmdesk-outside-");
        Files.writeString(outside.resolve("c.json"), "{}");
        Files.createSymbolicLink(home.resolve(".sd"), outside);
        assertThat(Harvester.collect(home, List.of(new Recipe.Harvest("~/.sd/c.json", List.of()))).problem())
                .contains("outside HOME");
        Files.delete(outside.resolve("c.json"));
        Files.delete(outside);
    }

    @Test
    void wipeRemovesASymlinkWithoutTouchingItsTarget() throws Exception {
        Path target = home.resolve("not-ours.txt");
        Files.writeString(target, "keep me");
        Path link = home.resolve("link.json");
        Files.createSymbolicLink(link, target);

        SecureFiles.wipe(link);

        assertThat(link).doesNotExist();
        assertThat(target).hasContent("keep me");
    }

    @Test
    void harvesterRefusesSymlinksAndExplainsProblems() throws Exception {
        Path dir = Files.createDirectories(home.resolve(".codex"));
        var h = List.of(new Recipe.Harvest("~/.codex/auth.json", List.of("tokens.access_token")));
        assertThat(Harvester.collect(home, h).problem()).isEqualTo("~/.codex/auth.json does not exist yet");

        Files.writeString(dir.resolve("auth.json"), "{not json");
        assertThat(Harvester.collect(home, h).problem()).isEqualTo("~/.codex/auth.json is not valid JSON");

        Files.writeString(dir.resolve("auth.json"), "{\"tokens\":{}}");
        assertThat(Harvester.collect(home, h).problem()).isEqualTo("~/.codex/auth.json: tokens.access_token is missing");

        Files.writeString(dir.resolve("auth.json"), "{\"tokens\":{\"access_token\":\"x\"}}");
        var ok = Harvester.collect(home, h);
        assertThat(ok.complete()).isTrue();
        assertThat(ok.files()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("~/.codex/auth.json");
            assertThat(f.content()).isEqualTo("{\"tokens\":{\"access_token\":\"x\"}}");
        });

        Files.delete(dir.resolve("auth.json"));
        Path elsewhere = Files.writeString(home.resolve("elsewhere.json"), "{\"tokens\":{\"access_token\":\"x\"}}");
        Files.createSymbolicLink(dir.resolve("auth.json"), elsewhere);
        assertThat(Harvester.collect(home, h).problem()).isEqualTo("~/.codex/auth.json is a symbolic link");

        Files.delete(dir.resolve("auth.json"));
        Files.write(dir.resolve("auth.json"), new byte[] {(byte) 0xff, (byte) 0xfe});
        assertThat(Harvester.collect(home, List.of(new Recipe.Harvest("~/.codex/auth.json", List.of()))).problem())
                .isEqualTo("~/.codex/auth.json is not UTF-8 text");
    }

    @Test
    void theBrowserCommandGetsTheUrlAndNoToken() throws Exception {
        Path out = home.resolve("browser-env.txt");
        Path browser = home.resolve("browser");
        Files.writeString(browser, "#!/bin/sh\n{ echo \"ARG=$1\"; env; } > '" + out + "'\n");
        Files.setPosixFilePermissions(browser, PosixFilePermissions.fromString("rwx------"));
        var config = new EnvironmentBootstrap(Map.of("VMDESK_SESSION_ID", "s", "VMDESK_AGENT_URL", "http://127.0.0.1:1",
                "VMDESK_AGENT_TOKEN", "secret-token-123", "HOME", home.toString(), "BROWSER", browser.toString(),
                "PATH", "/usr/bin:/bin")).load();

        new CommandBrowserOpener(config.browser(), config.childEnvironment()).open(java.net.URI.create("http://x/a?b=c"));

        String seen = Files.readString(out);
        assertThat(seen).contains("ARG=http://x/a?b=c").doesNotContain("secret-token-123").doesNotContain("VMDESK_");
    }
}
