package io.vmdesk.config;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises misspelt or misnamed settings. The predecessor's {@code .env} said VM_IP_POOL_START, the code read
 * something else, and nothing complained; here such a name is an error with a "did you mean".
 */
final class SettingNames {

    private static final String OUR_PREFIX = "VMDESK_";

    /**
     * Read by the session CLI ({@code vmdesk session …}), not by the controller: an operator's shell or .env has them
     * beside the controller's settings, which is not a mistake.
     */
    static final Set<String> CLIENT_VARIABLES = Set.of("VMDESK_URL", "VMDESK_API_KEY");

    private SettingNames() {
    }

    /**
     * Whether an unknown process-environment name is plausibly meant for vmdesk. The environment is full of other
     * programs' variables (PATH, JAVA_HOME, SSH_PORT...), so only strong signals count: our prefix, a known
     * multi-word name as suffix (VM_IP_POOL_START), or a near-miss of a long known name (IP_POOL_STRAT). Short
     * names such as PORT are excluded from the last two rules because too many unrelated names resemble them.
     */
    static boolean looksLikeOurs(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (CLIENT_VARIABLES.contains(upper)) {
            return false;
        }
        if (upper.startsWith(OUR_PREFIX)) {
            return true;
        }
        for (Setting s : Setting.values()) {
            boolean multiWord = s.name().contains("_");
            if (multiWord && upper.endsWith("_" + s.name())) {
                return true;
            }
            if (s.name().length() >= 8 && distance(upper, s.name()) <= 2) {
                return true;
            }
        }
        return false;
    }

    /** The setting an unknown name was most likely meant to be, if any. */
    static Optional<Setting> suggestion(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        Optional<Setting> exact = Setting.find(upper);
        if (exact.isPresent()) {
            return exact; // only the case was wrong: port, data_dir
        }
        if (upper.startsWith(OUR_PREFIX) && upper.length() > OUR_PREFIX.length()) {
            return suggestion(upper.substring(OUR_PREFIX.length()));
        }
        Optional<Setting> near = nearest(upper);
        if (near.isPresent()) {
            return near;
        }
        return longestAffix(upper);
    }

    /** Closest known name within a typo's reach: 2 edits for long names, 1 for short ones (PROT -> PORT). */
    private static Optional<Setting> nearest(String upper) {
        Setting best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Setting s : Setting.values()) {
            int limit = s.name().length() >= 8 ? 2 : 1;
            int d = distance(upper, s.name());
            if (d <= limit && d < bestDistance) {
                best = s;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A known name as suffix (VM_IP_POOL_START) or prefix (IP_POOL_START_ADDRESS); the longest match wins. */
    private static Optional<Setting> longestAffix(String upper) {
        Setting best = null;
        for (Setting s : Setting.values()) {
            boolean affix = upper.endsWith("_" + s.name()) || upper.startsWith(s.name() + "_");
            if (affix && (best == null || s.name().length() > best.name().length())) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Damerau-Levenshtein distance (optimal string alignment): insertions, deletions, substitutions, swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int best = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    best = Math.min(best, d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        return d[a.length()][b.length()];
    }
}
