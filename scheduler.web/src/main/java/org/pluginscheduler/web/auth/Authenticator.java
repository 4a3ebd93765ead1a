package org.pluginscheduler.web.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Decides who a request comes from: HTTP Basic against the configured users (salted PBKDF2), a bearer token
 * (SHA-256 of the token compared), or a log-in session cookie. Failed log-ins are throttled per address and user.
 *
 * <p>PBKDF2 is slow on purpose (hundreds of milliseconds), so a Basic credential that checked out is remembered for
 * {@link #VERIFIED_FOR} by a keyed digest (never the password itself); changing or removing the user forgets it.
 */
public final class Authenticator {

    /** How long a checked Basic credential is trusted without hashing again. */
    public static final Duration VERIFIED_FOR = Duration.ofMinutes(5);

    /** A configured user. */
    public record User(String name, Role role, Passwords.Hash hash) {
    }

    /** A configured bearer token: its name (for audit), role, and the SHA-256 hex of the token. */
    public record Token(String name, Role role, String digest) {
    }

    /** What {@link #authenticate} and {@link #logIn} found. */
    public sealed interface Outcome {
    }

    /** Authenticated. */
    public record Granted(Principal principal) implements Outcome {
    }

    /** No or wrong credentials; {@code reason} is safe to show (it never says which part was wrong). */
    public record Denied(String reason) implements Outcome {
    }

    /** Too many failures from this address: try again after {@code retryAfter}. */
    public record Throttled(Duration retryAfter) implements Outcome {
    }

    /**
     * What an unknown user name is checked against: a hash of a random secret with the iterations most of the
     * configured users' hashes have, so that a wrong password costs the same time whether the name exists or not.
     */
    private volatile Passwords.Hash unknownUser = Passwords.unmatchable(Passwords.ITERATIONS);

    private final Clock clock;
    private final Sessions sessions;
    private final LoginThrottle throttle;
    private final byte[] cacheKey = Passwords.randomSecret(32).getBytes(StandardCharsets.US_ASCII);
    private volatile Map<String, User> users = Map.of();
    private volatile Map<String, Token> tokens = Map.of();
    private final Map<String, Instant> verified = new ConcurrentHashMap<>();

    /** @return the PBKDF2 iterations an unknown user name is checked with */
    int unknownUserIterations() {
        return unknownUser.iterations();
    }

    public Authenticator(Clock clock, Sessions sessions, LoginThrottle throttle) {
        this.clock = clock;
        this.sessions = sessions;
        this.throttle = throttle;
    }

    /** Replaces the users; sessions and remembered credentials of users gone or changed end. */
    public synchronized void setUsers(Collection<User> newUsers) {
        Map<String, User> next = newUsers.stream().collect(Collectors.toUnmodifiableMap(User::name, u -> u,
                (a, b) -> a));
        Set<String> unchanged = new HashSet<>();
        for (User user : next.values()) {
            User old = users.get(user.name());
            if (old != null && old.role() == user.role() && old.hash().sameAs(user.hash())) {
                unchanged.add(user.name());
            }
        }
        int iterations = next.values().stream().map(u -> u.hash().iterations())
                .filter(i -> i >= Passwords.MIN_ITERATIONS) // not the generated admin's single iteration
                .collect(Collectors.groupingBy(i -> i, Collectors.counting())).entrySet().stream()
                .max(Map.Entry.<Integer, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).orElse(Passwords.ITERATIONS);
        if (unknownUser.iterations() != iterations) {
            unknownUser = Passwords.unmatchable(iterations);
        }
        users = next;
        verified.clear();
        sessions.retainUsers(unchanged);
    }

    public synchronized void setTokens(Collection<Token> newTokens) {
        tokens = newTokens.stream().collect(Collectors.toUnmodifiableMap(Token::digest, t -> t, (a, b) -> a));
    }

    /** @return the user names configured now */
    public Set<String> userNames() {
        return users.keySet();
    }

    /**
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param sessionId     the session cookie's value, or {@code null}
     * @param address       the client's address, for throttling
     */
    public Outcome authenticate(String authorization, String sessionId, String address) {
        if (authorization != null && !authorization.isBlank()) {
            String header = authorization.trim();
            int space = header.indexOf(' ');
            String scheme = space < 0 ? header : header.substring(0, space);
            String value = space < 0 ? "" : header.substring(space + 1).trim();
            if (scheme.equalsIgnoreCase("Basic")) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return new Denied("the Basic credentials are not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    return new Denied("the Basic credentials have no ':' between user and password");
                }
                return checkPassword(decoded.substring(0, colon), decoded.substring(colon + 1), address, "basic");
            }
            if (scheme.equalsIgnoreCase("Bearer")) {
                // a configured token (256 random bits: nothing to guess) is never throttled, whatever else this
                // client got wrong; only unknown tokens count as failures, and are refused while it is locked out
                Token token = value.isEmpty() ? null : tokens.get(Passwords.tokenDigest(value));
                if (token != null) {
                    return new Granted(new Principal(token.name(), token.role(), "bearer", Optional.empty()));
                }
                Optional<Duration> wait = throttle.acquire(address, "");
                if (wait.isPresent()) {
                    return new Throttled(wait.get());
                }
                throttle.failure(address, "");
                return new Denied("unknown bearer token");
            }
            // never the header's text: a bare token sent without "Bearer " would be echoed back
            return new Denied("unsupported authorization scheme; use Basic or Bearer");
        }
        if (sessionId != null) {
            Optional<Sessions.Session> session = sessions.use(sessionId);
            if (session.isPresent()) {
                User user = users.get(session.get().user());
                if (user != null) {
                    return new Granted(new Principal(user.name(), user.role(), "session", session));
                }
                sessions.close(sessionId);
            }
            return new Denied("the session has ended; log in again");
        }
        return new Denied("authentication required");
    }

    /** Checks a user's password and opens a session for the dashboard. */
    public Outcome logIn(String user, String password, String address) {
        Outcome outcome = checkPassword(user, password, address, "session");
        if (outcome instanceof Granted granted) {
            Sessions.Session session = sessions.open(granted.principal().user());
            return new Granted(new Principal(granted.principal().user(), granted.principal().role(), "session",
                    Optional.of(session)));
        }
        return outcome;
    }

    public void logOut(String sessionId) {
        sessions.close(sessionId);
    }

    private Outcome checkPassword(String name, String password, String address, String via) {
        User known = users.get(name);
        Instant trustedUntil = known == null ? null : verified.get(cacheKey(name, password));
        if (trustedUntil != null && clock.instant().isBefore(trustedUntil)) {
            // checked and right within VERIFIED_FOR: not a guess, so not throttled (parallel requests of a script
            // with the right password are not refused while the first one hashes)
            return new Granted(new Principal(known.name(), known.role(), via, Optional.empty()));
        }
        Optional<Duration> wait = throttle.acquire(address, name);
        if (wait.isPresent()) {
            return new Throttled(wait.get());
        }
        boolean ok = false;
        User user = users.get(name);
        try {
            String key = cacheKey(name, password);
            Instant now = clock.instant();
            Instant until = verified.get(key);
            if (user != null && until != null && now.isBefore(until)) {
                ok = true;
            } else {
                // an unknown user costs the same hashing as a known one: timing must not tell which names exist
                Passwords.Hash hash = user != null ? user.hash() : unknownUser;
                ok = hash.matches(password.toCharArray()) && user != null;
                if (ok) {
                    if (verified.size() > 10_000) {
                        verified.clear();
                    }
                    verified.put(key, now.plus(VERIFIED_FOR));
                }
            }
        } finally {
            if (ok) {
                throttle.success(address, name);
            } else {
                throttle.failure(address, name);
            }
        }
        if (!ok) {
            return new Denied("wrong user or password");
        }
        return new Granted(new Principal(user.name(), user.role(), via, Optional.empty()));
    }

    private String cacheKey(String name, String password) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(cacheKey, "HmacSHA256"));
            byte[] digest = mac.doFinal((name + "\u0000" + password).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** @return {@code true} if the two strings are equal, in time independent of where they differ */
    public static boolean sameSecret(String a, String b) {
        return a != null && b != null
                && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
