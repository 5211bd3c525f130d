package io.vmdesk.config;

import java.util.regex.Pattern;

/**
 * Hides secrets wherever configuration is shown: logs, describe(), error messages. A database URL keeps everything
 * but its password; any other secret setting (VAULT_MASTER_KEY) is replaced entirely.
 */
final class Redaction {

    static final String MASK = "***";

    // ?password=..., &sslpassword=... (any parameter whose name ends in "password").
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&;][a-z_]*password=)[^&;#]*");

    private Redaction() {
    }

    /** How a value of {@code setting} may be shown: as is, with its password masked, or masked entirely. */
    static String shown(Setting setting, String value) {
        if (value == null || !setting.secret()) {
            return value;
        }
        return setting == Setting.DATABASE_URL ? redact(value) : MASK;
    }

    /** The URL with the password of user:password@ and of any password= parameter replaced by ***. */
    static String redact(String url) {
        if (url == null) {
            return null;
        }
        String out = url;
        int scheme = out.indexOf("://");
        if (scheme >= 0) {
            int authority = scheme + 3;
            int query = firstOf(out, authority, '?', '#');
            // The LAST '@' before the query ends the user info, so an unencoded '@' in the password is covered too.
            int at = out.lastIndexOf('@', query - 1);
            if (at >= authority) {
                int colon = out.indexOf(':', authority);
                if (colon >= 0 && colon < at) {
                    out = out.substring(0, colon + 1) + MASK + out.substring(at);
                }
            }
        }
        return PASSWORD_PARAM.matcher(out).replaceAll("$1" + MASK);
    }

    private static int firstOf(String s, int from, char... chars) {
        int first = s.length();
        for (char c : chars) {
            int i = s.indexOf(c, from);
            if (i >= 0 && i < first) {
                first = i;
            }
        }
        return first;
    }
}
