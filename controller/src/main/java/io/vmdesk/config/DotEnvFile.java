package io.vmdesk.config;

import io.vmdesk.config.ConfigException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A {@code .env} file: NAME=value lines, {@code #} comments, blank lines, an optional {@code export } prefix and
 * single- or double-quoted values. Anything else is reported with file and line instead of being skipped, because a
 * silently ignored line is a silently ignored setting.
 */
final class DotEnvFile {

    /** One assignment and the line it is on. */
    record Entry(String name, String value, int line) {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern INLINE_COMMENT = Pattern.compile("\\s#");

    private final Path file;
    private final Map<String, Entry> entries;

    private DotEnvFile(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Reads the file; a null or missing path is an empty file. Problems are added to {@code problems}. */
    static DotEnvFile read(Path file, List<Problem> problems) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        if (file == null || !Files.exists(file)) {
            return new DotEnvFile(file, entries);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            problems.add(new Problem(file.toString(), "cannot read " + file + ": " + e,
                    "make " + file + " a readable UTF-8 text file, or remove it"));
            return new DotEnvFile(file, entries);
        }
        for (int i = 0; i < lines.size(); i++) {
            String text = i == 0 ? lines.get(i).replaceFirst("^\uFEFF", "") : lines.get(i);
            int lineNo = i + 1;
            try {
                Entry entry = parseLine(text, lineNo);
                if (entry == null) {
                    continue;
                }
                Entry earlier = entries.put(entry.name(), entry);
                if (earlier != null) {
                    // The later line wins in most loaders, which is exactly the kind of surprise this class exists to stop.
                    problems.add(new Problem(entry.name(), entry.name() + " is set twice in " + file + " (lines "
                            + earlier.line() + " and " + lineNo + ")", "keep only one of the two lines"));
                }
            } catch (Malformed e) {
                problems.add(new Problem(file.toString(), file + " line " + lineNo + " " + e.getMessage(), e.fix));
            }
        }
        return new DotEnvFile(file, entries);
    }

    Path file() {
        return file;
    }

    List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }

    /** Null for blank and comment lines. Never echoes a whole bad line: it might hold a password. */
    static Entry parseLine(String raw, int lineNo) throws Malformed {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        if (line.startsWith("export ") || line.startsWith("export\t")) {
            line = line.substring("export".length()).strip();
        }
        int eq = line.indexOf('=');
        if (eq < 0) {
            String firstWord = line.split("\\s+", 2)[0];
            String start = NAME.matcher(firstWord).matches() ? " (it starts with '" + firstWord + "')" : "";
            throw new Malformed("is not NAME=value" + start,
                    "write it as NAME=value (e.g. PORT=4000), or start it with # to make it a comment");
        }
        String name = line.substring(0, eq).strip();
        if (!NAME.matcher(name).matches()) {
            String shown = name.matches("[\\w .-]{1,40}") ? " '" + name + "'" : "";
            throw new Malformed("has" + shown + " before '=' where a variable name is expected",
                    "use a name made of letters, digits and _ (e.g. IP_POOL_START=192.168.100.2)");
        }
        return new Entry(name, unquote(line.substring(eq + 1).strip()), lineNo);
    }

    /** 'single' quotes are literal; "double" quotes understand \" \\ and \n; unquoted values end at " #". */
    private static String unquote(String value) throws Malformed {
        if (value.isEmpty() || (value.charAt(0) != '"' && value.charAt(0) != '\'')) {
            var comment = INLINE_COMMENT.matcher(value);
            return comment.find() ? value.substring(0, comment.start()).strip() : value;
        }
        char quote = value.charAt(0);
        StringBuilder out = new StringBuilder();
        int i = 1;
        for (; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote == '"' && c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else if (c == quote) {
                break;
            } else {
                out.append(c);
            }
        }
        if (i >= value.length()) {
            throw new Malformed("has an opening " + quote + " without a closing one",
                    "close the quote on the same line (values cannot span lines)");
        }
        String rest = value.substring(i + 1).strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) {
            throw new Malformed("has text after the closing " + quote, "put the whole value inside the quotes");
        }
        return out.toString();
    }

    /** A line that is not a valid assignment; the message continues "FILE line N ...". */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        final String fix;

        Malformed(String message, String fix) {
            super(message);
            this.fix = fix;
        }
    }
}
