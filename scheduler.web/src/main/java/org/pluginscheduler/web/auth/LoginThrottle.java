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
 *
 * <p>A check in progress counts against the limit too ({@link #acquire} before checking, then {@link #failure} or
 * {@link #success}): guesses sent all at once are not all checked before the first failure is counted.
 */
public final class LoginThrottle {

    private static final int MAX_KEYS = 100_000;
    /** What a caller is told to wait when the limit is taken by checks still in progress. */
    static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(1);

    private static final class Entry {
        int failures;
        int inFlight;
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

    /**
     * Admits one log-in check, or says how long to wait. An admitted check must end with {@link #failure} or
     * {@link #success} for the same address and user.
     *
     * @return how long the caller must wait, if locked out or if the checks in progress already reach the limit
     */
    public synchronized Optional<Duration> acquire(String address, String user) {
        Instant now = clock.instant();
        String[] keys = keys(address, user);
        int[] limits = limits();
        Duration wait = Duration.ZERO;
        for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.get(keys[i]);
            if (entry == null) {
                continue;
            }
            if (entry.lockedUntil.isAfter(now)) {
                Duration left = Duration.between(now, entry.lockedUntil);
                if (left.compareTo(wait) > 0) {
                    wait = left;
                }
            } else if (entry.failures + entry.inFlight >= limits[i] && IN_FLIGHT_WAIT.compareTo(wait) > 0) {
                wait = IN_FLIGHT_WAIT;
            }
        }
        if (!wait.isZero()) {
            return Optional.of(wait);
        }
        for (String key : keys) {
            entries.computeIfAbsent(key, k -> new Entry()).inFlight++;
        }
        return Optional.empty();
    }

    /** Ends an admitted check that failed: counts the failure, and locks out at the limit. */
    public synchronized void failure(String address, String user) {
        Instant now = clock.instant();
        if (entries.size() > MAX_KEYS) {
            Instant stale = now.minus(lockout.multipliedBy(64));
            entries.values().removeIf(e -> e.inFlight == 0 && e.lastFailure.isBefore(stale)
                    && e.lockedUntil.isBefore(now));
        }
        String[] keys = keys(address, user);
        int[] limits = limits();
        for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.computeIfAbsent(keys[i], k -> new Entry());
            entry.inFlight = Math.max(0, entry.inFlight - 1);
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

    /** Ends an admitted check that succeeded: clears the count of failures from this address for this user. */
    public synchronized void success(String address, String user) {
        String[] keys = keys(address, user);
        Entry entry = entries.get(keys[0]);
        if (entry != null) {
            entry.inFlight = Math.max(0, entry.inFlight - 1);
            entry.failures = 0;
            entry.lockouts = 0;
            entry.lockedUntil = Instant.MIN;
            if (entry.inFlight == 0) {
                entries.remove(keys[0]);
            }
        }
        Entry any = entries.get(keys[1]);
        if (any != null) {
            any.inFlight = Math.max(0, any.inFlight - 1);
        }
    }

    private int[] limits() {
        return new int[] {maxFailures, maxFailures * 4};
    }

    private static String[] keys(String address, String user) {
        return new String[] {address + "\u0000" + user, address};
    }
}
