package io.vmdesk.image;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The findings about one image, as text for people and as JSON for scripts. */
public record Inspection(Path image, List<Finding> findings) {

    public Inspection {
        findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
    }

    /** Whether anything in the image will reconfigure eth0 after the kernel set it from ip=. */
    public boolean fights() {
        return count(Severity.FIGHT) > 0;
    }

    public long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image", image.toString());
        m.put("findings", findings.stream().map(Finding::toJson).toList());
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Severity s : Severity.values()) {
            summary.put(s.label(), count(s));
        }
        summary.put("fightsIpConfig", fights());
        m.put("summary", summary);
        return m;
    }

    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append(image).append('\n');
        if (findings.isEmpty()) {
            out.append("  nothing fights the kernel's ip= setting of eth0, and nothing a vmdesk guest needs is missing\n");
            return out.toString();
        }
        for (Finding f : findings) {
            out.append("  ").append(f.severity().label().toUpperCase(java.util.Locale.ROOT)).append("  ")
                    .append(f.id()).append("  ").append(f.file()).append('\n');
            out.append("        says: ").append(f.says()).append('\n');
            out.append("        fix:  ").append(f.fix()).append('\n');
        }
        out.append(String.format("%d fight ip=, %d missing, %d warnings%s%n", count(Severity.FIGHT),
                count(Severity.MISSING), count(Severity.WARN), fights() ? " — guests booted from this image will lose "
                        + "eth0's address and fail readiness" : ""));
        return out.toString();
    }
}
