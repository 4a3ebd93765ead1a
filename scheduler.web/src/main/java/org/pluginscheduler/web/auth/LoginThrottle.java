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
 * guesser learns nothing and costs no hashing). A success clears the address's count for that user. Failures and
 * lock-outs are forgotten when the last failure is older than 64 lock-outs (at least a day).
 *
 * <p>A check in progress counts against the limit too ({@link #acquire} before checking, then {@link #failure} or
 * {@link #success}): guesses sent all at once are not all checked before the first failure is counted.
 *
 * <p>The client-wide limit refuses only user names that failed from that client themselves: a user who got nothing
 * wrong from it is still checked (once; a failure then counts for that name too), so one script's stale password
 * does not lock every other local user out, while guesses spread over many names get one try per name.
 *
 * <p>An address is the client's: every loopback address (all of 127.0.0.0/8 and ::1) is one client, the local
 * machine, and an IPv6 address counts by its /64 network (what one host or customer is given), so new source
 * addresses are not new guesses. At most {@value #MAX_KEYS} keys are kept: beyond that the counts below the limit
 * go first, then the lock-outs that end soonest; user names are cut to 64 characters in keys.
 */
public final class LoginThrottle {

    static final int MAX_KEYS = 100_000;
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
        if (entries.size() >= MAX_KEYS) {
            makeRoom(now);
        }
        String[] keys = keys(address, user);
        int[] limits = limits();
        Duration wait = Duration.ZERO;
        Entry own = entries.get(keys[0]);
        boolean userFailedHere = own != null && (own.failures > 0 || own.lockouts > 0 || own.inFlight > 0);
        for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.get(keys[i]);
            if (entry == null) {
                continue;
            }
            if (i == 1 && !userFailedHere) {
                // the client-wide limit stops guesses spread over many names, not a user who got nothing wrong
                // from here: one script's stale credentials must not lock every local user out
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
        if (entries.size() >= MAX_KEYS) {
            makeRoom(now);
        }
        String[] keys = keys(address, user);
        int[] limits = limits();
        for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.computeIfAbsent(keys[i], k -> new Entry());
            entry.inFlight = Math.max(0, entry.inFlight - 1);
            if (entry.lastFailure.isBefore(now.minus(memory())) && !entry.lockedUntil.isAfter(now)) {
                entry.failures = 0; // a typo last month does not count towards today's lock-out
                entry.lockouts = 0;
            }
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

    /** @return how many keys are kept (for tests) */
    synchronized int size() {
        return entries.size();
    }

    /** @return the characters of all keys kept (for tests) */
    synchronized long keyChars() {
        return entries.keySet().stream().mapToLong(String::length).sum();
    }

    /** How long failures and lock-outs are remembered after the last failure: 64 lock-outs, at least a day. */
    private Duration memory() {
        Duration longest = lockout.multipliedBy(64);
        return longest.compareTo(Duration.ofDays(1)) > 0 ? longest : Duration.ofDays(1);
    }

    private int[] limits() {
        return new int[] {maxFailures, maxFailures * 4};
    }

    /** Brings the keys down to half of {@link #MAX_KEYS}: counts below the limit first, then the oldest locks. */
    private void makeRoom(Instant now) {
        entries.values().removeIf(e -> e.inFlight == 0 && !e.lockedUntil.isAfter(now));
        if (entries.size() >= MAX_KEYS / 2) {
            entries.entrySet().stream().filter(e -> e.getValue().inFlight == 0)
                    .sorted(java.util.Comparator.comparing(e -> e.getValue().lockedUntil))
                    .limit(entries.size() - MAX_KEYS / 2L).map(Map.Entry::getKey).toList()
                    .forEach(entries::remove);
        }
    }

    private static String[] keys(String address, String user) {
        String client = client(address);
        String name = user.length() > 64 ? user.substring(0, 64) + "\u0000+" : user; // no user name is longer
        return new String[] {client + "\u0000" + name, client};
    }

    /** @return the client an address stands for: "loopback", an IPv6 /64, or the address itself */
    static String client(String address) {
        String a = address == null ? "" : address.trim();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        boolean literal = a.contains(":") ? a.matches("[0-9A-Fa-f:.]+") : a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!literal) {
            return a;
        }
        try {
            java.net.InetAddress ip = java.net.InetAddress.getByName(a); // a literal: no name lookup
            if (ip.isLoopbackAddress()) {
                return "loopback";
            }
            if (ip instanceof java.net.Inet6Address) {
                byte[] b = ip.getAddress();
                return java.util.HexFormat.of().formatHex(b, 0, 8) + "::/64";
            }
            return ip.getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return a;
        }
    }
}
