package io.vmdesk.store;

import java.time.Instant;

/** One step of a session's start or teardown; {@code outcome} is ok, failed or undone. */
public record StepRow(String name, String outcome, Instant startedAt, long millis, String detail) {
}
