package io.vmdesk.doctor;

import java.util.Locale;

/** A check's verdict: fine, worth a look, or a cause of unreachable guests. */
public enum Status {
    OK, WARN, FAIL;

    /** "ok", "warn", "fail": the JSON spelling. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
