package io.vmdesk.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thing {@code image inspect} found: which file (in the image), what it says (the lines that matter, quoted),
 * and how to fix it.
 */
public record Finding(Severity severity, String id, String file, String says, String fix) {

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", severity.label());
        m.put("id", id);
        m.put("file", file);
        m.put("says", says);
        m.put("fix", fix);
        return m;
    }
}
