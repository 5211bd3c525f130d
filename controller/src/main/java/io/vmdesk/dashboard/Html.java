package io.vmdesk.dashboard;

import java.time.Instant;

/** HTML text: everything shown on a page goes through {@link #text}, because session data comes from guests. */
final class Html {
    private Html() {
    }

    /** Escapes text for element content and quoted attribute values. */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** An instant as the page shows it (UTC, seconds), or a dash. */
    static String time(Instant at) {
        return at == null ? "–" : at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** A page around {@code body}; {@code script} is one of our assets or null. */
    static String page(String title, String body, String script) {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + text(title)
                + "</title><link rel=\"stylesheet\" href=\"/dashboard/assets/dashboard.css\"></head>\n<body>\n" + body
                + (script == null ? "" : "<script src=\"/dashboard/assets/" + script + "\"></script>\n")
                + "</body></html>\n";
    }
}
