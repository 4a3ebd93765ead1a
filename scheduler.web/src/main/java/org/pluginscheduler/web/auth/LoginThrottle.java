package org.pluginscheduler.web.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@code maxFailures} failed log-ins from one address for one user name (or
 * {@code 4 × maxFailures} from one address for any names), that key is locked out for {@code lockout}, doubled on
 * each further lock-out up to 64×. While locked out, even the right password is refused (without checking it, so a
 * guesser learns nothing and costs no hashing). A success clears the address's count for that user.
 */
public final class LoginThrottle {

    private static final int MAX_KEYS = 100_000;

    private static final class Entry {
        int failures;
        int lockouts;
        Instant lockedUntil = Instant.MIN;
        Instant lastFailure = Instant.MIN;
    }

    private final Clock clock;
    private final int maxFailures;
    private final Duration lockout;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock, int maxFailures, Duration lockout) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.lockout = lockout;
    }

    /** @return how long the caller must wait, if locked out */
    public Optional<Duration> blocked(String address, String user) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        for (String key : keys(address, user)) {
            Entry entry = entries.get(key);
            if (entry != null) {
                synchronized (entry) {
                    if (entry.lockedUntil.isAfter(now)) {
                        Duration left = Duration.between(now, entry.lockedUntil);
                        if (left.compareTo(wait) > 0) {
                            wait = left;
                        }
                    }
                }
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts a failed log-in. */
    public void failure(String address, String user) {
        Instant now = clock.instant();
        if (entries.size() > MAX_KEYS) {
            Instant stale = now.minus(lockout.multipliedBy(64));
            entries.values().removeIf(e -> e.lastFailure.isBefore(stale) && e.lockedUntil.isBefore(now));
        }
        String[] keys = keys(address, user);
        int[] limits = {maxFailures, maxFailures * 4};
        for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.computeIfAbsent(keys[i], k -> new Entry());
            synchronized (entry) {
                entry.failures++;
                entry.lastFailure = now;
                if (entry.failures >= limits[i]) {
                    long factor = 1L << Math.min(entry.lockouts, 6);
                    entry.lockedUntil = now.plus(lockout.multipliedBy(factor));
                    entry.lockouts++;
                    entry.failures = 0;
                }
            }
        }
    }

    /** Clears the count of failures from this address for this user. */
    public void success(String address, String user) {
        entries.remove(keys(address, user)[0]);
    }

    private static String[] keys(String address, String user) {
        return new String[] {address + "\u0000" + user, address};
    }
}
