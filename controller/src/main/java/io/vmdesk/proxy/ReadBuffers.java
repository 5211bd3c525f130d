package io.vmdesk.proxy;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Large direct read buffers shared by all viewers, lent only while a framebuffer update flows. Direct, so the bytes
 * go from the guest's socket to the browser's without a copy through the heap; pooled, because allocating direct
 * memory is slow. At most {@link #KEPT} idle buffers are kept per size; more are left to the garbage collector.
 */
final class ReadBuffers {
    static final int KEPT = 32;
    private static final Map<Integer, ReadBuffers> BY_SIZE = new ConcurrentHashMap<>();

    private final int size;
    private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    private ReadBuffers(int size) {
        this.size = size;
    }

    static ReadBuffers of(int size) {
        return BY_SIZE.computeIfAbsent(size, ReadBuffers::new);
    }

    ByteBuffer take() {
        ByteBuffer b = idle.poll();
        if (b == null) {
            return ByteBuffer.allocateDirect(size);
        }
        idleCount.decrementAndGet();
        return b;
    }

    void give(ByteBuffer buffer) {
        if (idleCount.incrementAndGet() <= KEPT) {
            buffer.clear();
            idle.offer(buffer);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
