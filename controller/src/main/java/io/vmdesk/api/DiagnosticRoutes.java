package io.vmdesk.api;

import io.javalin.http.Context;
import io.vmdesk.doctor.Doctor;

/** {@code GET /api/diagnostics} (the whole host) and {@code GET /api/auth/session/{id}/diagnostics}: the doctor's report. */
final class DiagnosticRoutes {
    private final Doctor doctor;

    DiagnosticRoutes(Doctor doctor) {
        this.doctor = doctor;
    }

    void host(Context ctx) {
        Json.send(ctx, 200, doctor.examineHost().toJson());
    }

    void session(Context ctx) {
        String id = SessionRoutes.sessionId(ctx.pathParam("id"));
        Json.send(ctx, 200, doctor.examineSession(id).orElseThrow(() -> new ApiException(404, "session-not-found",
                "no session " + id + " on this controller")).toJson());
    }
}
