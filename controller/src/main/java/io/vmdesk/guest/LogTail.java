package io.vmdesk.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** The last lines of a guest's log or console, for diagnoses; reads at most the file's last 256 KiB. */
public final class LogTail {
    private LogTail() {
    }

    public static List<String> of(Path file, int maxLines) {
        if (maxLines <= 0) {
            return List.of();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.max(0, size - 256 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            channel.read(buffer, from);
            List<String> lines = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
            return lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
        } catch (NoSuchFileException e) {
            return List.of("(no log yet)");
        } catch (IOException e) {
            return List.of("(could not read " + file + ": " + e + ")");
        }
    }
}
