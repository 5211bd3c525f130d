package io.vmdesk.agent;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes anything that looks like a credential from text that leaves the agent (event details, log lines, the
 * tail of a failed CLI's output). It errs towards over-redaction: a long opaque word with letters and digits is
 * treated as a token.
 */
public final class Scrubber {
    static final String REDACTED = "[redacted]";

    /**
     * {@code key=value}, {@code key: value}, {@code "key": "value"} where the key names a secret; the key must not
     * continue a path or a dotted name ({@code ~/.codex/auth.json: …} is not an assignment).
     */
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)((?<![A-Za-z0-9_/.~-])\"?[A-Za-z0-9_.-]*(?:token|secret|password|passwd|api[_-]?key|apikey|code|verifier|state|assertion|"
                    + "session|cookie|credential|auth)[A-Za-z0-9_.-]*\"?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s&,;\"'})\\]]+)");
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{6,}");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final Pattern KNOWN_PREFIXES = Pattern.compile(
            "\\b(?:sk-[A-Za-z0-9_-]{6,}|gh[opsuri]_[A-Za-z0-9_]{6,}|github_pat_[A-Za-z0-9_]{6,}|ya29\\.[A-Za-z0-9._-]+|"
                    + "1//[A-Za-z0-9._-]+|xox[abpr]-[A-Za-z0-9-]+|AIza[A-Za-z0-9_-]{10,})");
    /** A long unbroken word mixing letters and digits: base64, hex, UUIDs, opaque tokens. */
    private static final Pattern OPAQUE = Pattern.compile("[A-Za-z0-9_~+=.-]{24,}");

    private Scrubber() {}

    public static String scrub(String text) {
        return scrub(text, List.of());
    }

    /** Also removes each of {@code exact} (for example the agent's own bearer token) wherever it appears. */
    public static String scrub(String text, List<String> exact) {
        if (text == null || text.isEmpty()) {
            return text == null ? "" : text;
        }
        String s = text;
        for (String secret : exact) {
            if (secret != null && secret.length() >= 4) {
                s = s.replace(secret, REDACTED);
            }
        }
        s = JWT.matcher(s).replaceAll(REDACTED);
        s = KNOWN_PREFIXES.matcher(s).replaceAll(REDACTED);
        s = AUTH_SCHEME.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + REDACTED));
        s = SECRET_ASSIGNMENT.matcher(s).replaceAll(m -> {
            String value = m.group(2);
            boolean quoted = value.startsWith("\"") || value.startsWith("'");
            String bare = quoted ? value.substring(1, value.length() - 1) : value;
            // Short values ("code: 3", "state: ok") are not secrets; paths like ~/.codex/auth.json are not keys.
            // A value an earlier pass already redacted stays as it is (its "]" is not part of the value: replacing
            // "[redacted" would leave a stray bracket behind).
            if (bare.length() < 6 || bare.startsWith(REDACTED.substring(0, REDACTED.length() - 1))) {
                return Matcher.quoteReplacement(m.group());
            }
            // "key: Word" with a plain word after the colon is prose ("claude auth: Cannot run program …",
            // "Authorization: Bearer [redacted]"), not an assignment: only "key=value", quoted values and values with
            // digits or symbols are taken for secrets after a colon.
            if (!quoted && m.group(1).strip().endsWith(":") && bare.chars().allMatch(Character::isLetter)) {
                return Matcher.quoteReplacement(m.group());
            }
            return Matcher.quoteReplacement(m.group(1) + REDACTED);
        });
        Matcher opaque = OPAQUE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (opaque.find()) {
            String word = opaque.group();
            boolean letters = word.chars().anyMatch(Character::isLetter);
            boolean digits = word.chars().anyMatch(Character::isDigit);
            opaque.appendReplacement(out, Matcher.quoteReplacement(letters && digits ? REDACTED : word));
        }
        opaque.appendTail(out);
        return out.toString();
    }

    /** Scrubs, folds onto one line and caps the length: for an event's {@code detail}. */
    public static String detail(String text, int maxChars, List<String> exact) {
        String s = scrub(text, exact).replaceAll("[\\p{Cntrl}&&[^\\n]]", "").replaceAll("\\s*\\n\\s*", " | ").strip();
        return s.length() <= maxChars ? s : s.substring(0, maxChars - 1) + "…";
    }
}
