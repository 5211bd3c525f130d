package io.vmdesk.doctor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One finding of the doctor.
 *
 * @param id       stable identifier of the check, {@code family.aspect} (e.g. {@code bridge.address})
 * @param status   the verdict
 * @param target   what it looked at (a device, an address, a session, a variable)
 * @param evidence the actual values seen, so an operator can verify the verdict without re-running anything
 * @param fix      the command or configuration change that cures it; empty when the status is ok
 */
public record Check(String id, Status status, String target, String evidence, String fix) {

    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(evidence, "evidence");
        fix = fix == null ? "" : fix;
    }

    public static Check ok(String id, String target, String evidence) {
        return new Check(id, Status.OK, target, evidence, "");
    }

    public static Check warn(String id, String target, String evidence, String fix) {
        return new Check(id, Status.WARN, target, evidence, fix);
    }

    public static Check fail(String id, String target, String evidence, String fix) {
        return new Check(id, Status.FAIL, target, evidence, fix);
    }

    /** The JSON object {id, status, target, evidence, fix}. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("status", status.label());
        out.put("target", target);
        out.put("evidence", evidence);
        out.put("fix", fix);
        return out;
    }
}
