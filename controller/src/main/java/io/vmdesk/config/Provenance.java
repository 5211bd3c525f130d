package io.vmdesk.config;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers where each setting of a loaded {@link Config} came from. A record cannot carry extra state, so the
 * sources live here, keyed by the instance's IDENTITY (two equal configs may have different sources) and held weakly
 * (a discarded config must not leak).
 */
final class Provenance {

    private static final ReferenceQueue<Config> CLEARED = new ReferenceQueue<>();
    private static final Map<Key, Map<Setting, Source>> SOURCES = new HashMap<>();

    private Provenance() {
    }

    static synchronized void remember(Config config, Map<Setting, Source> sources) {
        purge();
        SOURCES.put(new Key(config, CLEARED), Map.copyOf(sources));
    }

    /** Empty for a Config built with its constructor rather than {@link Config#load}. */
    static synchronized Optional<Map<Setting, Source>> of(Config config) {
        purge();
        return Optional.ofNullable(SOURCES.get(new Key(config, null)));
    }

    private static void purge() {
        for (Reference<?> r; (r = CLEARED.poll()) != null; ) {
            SOURCES.remove(r);
        }
    }

    private static final class Key extends WeakReference<Config> {
        private final int hash;

        Key(Config config, ReferenceQueue<Config> queue) {
            super(config, queue);
            this.hash = System.identityHashCode(config);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            Object referent = get();
            return o instanceof Key other && referent != null && referent == other.get();
        }
    }
}
