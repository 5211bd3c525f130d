package io.vmdesk.session;

import io.vmdesk.guest.GuestHandle;
import io.vmdesk.guest.GuestSpec;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-memory companion of a live session row: what only the running controller knows (the guest handle, viewers,
 * activity). Concurrency rule: steps that create host resources run under {@link #stepLock}; teardown sets
 * {@link #ending} and then takes the same lock, so it never races a half-made resource.
 */
final class LiveSession {
    final String id;
    final String provider;
    final String userId;
    final GuestSpec spec;
    final Instant createdAt;
    final Instant expiresAt;
    final ReentrantLock stepLock = new ReentrantLock();
    final AtomicBoolean ending = new AtomicBoolean();
    final AtomicInteger viewers = new AtomicInteger();
    final AtomicInteger agentEvents = new AtomicInteger();
    /** Completes with true when READY, false when the session failed or ended before. */
    final CompletableFuture<Boolean> ready = new CompletableFuture<>();
    volatile GuestHandle guest;
    volatile Instant lastActivity;

    LiveSession(String id, String provider, String userId, GuestSpec spec, Instant createdAt, Instant expiresAt) {
        this.id = id;
        this.userId = userId;
        this.provider = provider;
        this.spec = spec;
        this.createdAt = createdAt;
        this.expiresAt = expiresAt;
        this.lastActivity = createdAt;
    }
}
