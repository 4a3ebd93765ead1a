package org.pluginscheduler.web.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's log-in sessions, in memory (a restart logs everyone out). An id and a CSRF token are 256 random
 * bits each; a session expires after {@code timeout} without use; at most {@code max} live sessions (the least
 * recently used goes first).
 */
public final class Sessions {

    /** One session; {@code lastUse} moves on each use. */
    public static final class Session {
        private final String id;
        private final String user;
        private final String csrfToken;
        private volatile Instant lastUse;

        Session(String id, String user, String csrfToken, Instant lastUse) {
            this.id = id;
            this.user = user;
            this.csrfToken = csrfToken;
            this.lastUse = lastUse;
        }

        public String id() {
            return id;
        }

        public String user() {
            return user;
        }

        public String csrfToken() {
            return csrfToken;
        }
    }

    private final Clock clock;
    private final Duration timeout;
    private final int max;
    private final Map<String, Session> byId = new ConcurrentHashMap<>();

    public Sessions(Clock clock, Duration timeout, int max) {
        this.clock = clock;
        this.timeout = timeout;
        this.max = max;
    }

    /** @return a new session for the user */
    public Session open(String user) {
        Instant now = clock.instant();
        expire(now);
        while (byId.size() >= max) {
            byId.values().stream().min(Comparator.comparing(s -> s.lastUse)).ifPresent(s -> byId.remove(s.id));
        }
        Session session = new Session(Passwords.randomSecret(32), user, Passwords.randomSecret(32), now);
        byId.put(session.id, session);
        return session;
    }

    /** @return the live session with this id, its use recorded */
    public Optional<Session> use(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session session = byId.get(id);
        Instant now = clock.instant();
        if (session == null) {
            return Optional.empty();
        }
        if (!now.isBefore(session.lastUse.plus(timeout))) {
            byId.remove(id);
            return Optional.empty();
        }
        session.lastUse = now;
        return Optional.of(session);
    }

    public void close(String id) {
        if (id != null) {
            byId.remove(id);
        }
    }

    /** Ends every session of users not in {@code keep} (a user removed or changed in configuration). */
    public void retainUsers(java.util.Set<String> keep) {
        byId.values().removeIf(s -> !keep.contains(s.user));
    }

    public int size() {
        return byId.size();
    }

    private void expire(Instant now) {
        byId.values().removeIf(s -> !now.isBefore(s.lastUse.plus(timeout)));
    }
}
