package io.vmdesk.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one doctor run found, in the order the checks ran, plus what {@code --fix} changed. */
public record Report(List<Check> checks, List<String> changes) {

    public Report {
        checks = List.copyOf(checks);
        changes = List.copyOf(changes);
    }

    public Report(List<Check> checks) {
        this(checks, List.of());
    }

    public long count(Status status) {
        return checks.stream().filter(c -> c.status() == status).count();
    }

    public boolean failed() {
        return count(Status.FAIL) > 0;
    }

    /** The checks that are not ok. */
    public List<Check> problems() {
        return checks.stream().filter(c -> c.status() != Status.OK).toList();
    }

    /** {@code {"checks":[…],"summary":{"ok":n,"warn":n,"fail":n}}}, plus {@code "changed":[…]} after a fix. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> list = new ArrayList<>();
        checks.forEach(c -> list.add(c.toJson()));
        out.put("checks", list);
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Status s : Status.values()) {
            summary.put(s.label(), count(s));
        }
        out.put("summary", summary);
        if (!changes.isEmpty()) {
            out.put("changed", changes);
        }
        return out;
    }

    /**
     * For people: problems first (fail, then warn) with evidence and fix, then one line per passed check, then the
     * summary.
     */
    public String toText(boolean withPassed) {
        StringBuilder out = new StringBuilder();
        for (Status s : List.of(Status.FAIL, Status.WARN)) {
            for (Check c : checks) {
                if (c.status() == s) {
                    out.append(s.name()).append("  ").append(c.id()).append("  ").append(c.target()).append('\n');
                    out.append("      seen: ").append(c.evidence().replace("\n", "\n            ")).append('\n');
                    out.append("      fix:  ").append(c.fix().replace("\n", "\n            ")).append('\n');
                }
            }
        }
        if (withPassed) {
            for (Check c : checks) {
                if (c.status() == Status.OK) {
                    out.append("ok    ").append(c.id()).append("  ").append(c.target()).append(": ")
                            .append(c.evidence()).append('\n');
                }
            }
        }
        for (String change : changes) {
            // DoctorFixer also reports what it deliberately did not touch ("left interface X alone: …")
            out.append(change.startsWith("left ") ? "kept:    " : "changed: ").append(change).append('\n');
        }
        out.append(String.format("%d ok, %d warn, %d fail%n", count(Status.OK), count(Status.WARN),
                count(Status.FAIL)));
        return out.toString();
    }
}
