package io.vmdesk.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Sessions and their steps. Statuses: STARTING, READY, ENDING (live); ENDED, FAILED (final). */
public interface SessionRepository {

    /** Inserts a new session; a duplicate id is a StoreException. */
    void insert(SessionRow row);

    Optional<SessionRow> find(String id);

    /** Sessions matching both filters (null = any), newest first. */
    List<SessionRow> list(String statusOrNull, String userIdOrNull);

    /** Every session not in a final status (STARTING, READY, ENDING), oldest first. */
    List<SessionRow> live();

    int countLive();

    /** Records the session's browser address and MAC; StoreException if there is no such session. */
    void setAddress(String id, String browserIp, String mac);

    /** STARTING -> READY only; does nothing in any other status. */
    void markReady(String id, Instant readyAt);

    /** Moves to a final status (ENDED or FAILED) with a reason, only if not final already; returns whether it changed. */
    boolean finish(String id, String status, String reason, String diagnosis, Instant endedAt);

    /** Sets a status (e.g. ENDING); never moves a session out of a final status (then it does nothing). */
    void setStatus(String id, String status);

    /** Records why the viewer last disconnected; StoreException if there is no such session. */
    void setLastDisconnect(String id, String reason);

    /** Appends a step; steps keep the order they were appended in. */
    void appendStep(String id, StepRow step);

    /** The session's steps in the order they were appended. */
    List<StepRow> steps(String id);
}
