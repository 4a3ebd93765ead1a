package org.pluginscheduler.web.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final HandClock clock = new HandClock();
    private final Sessions sessions = new Sessions(clock, Duration.ofMinutes(30), 3);
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofMinutes(1));
    private final Authenticator auth = new Authenticator(clock, sessions, throttle);
    private static final String HASH = Passwords.hash("s3cret-pass".toCharArray(), Passwords.MIN_ITERATIONS);

    AuthenticatorTest() {
        auth.setUsers(List.of(new Authenticator.User("ann", Role.OPERATOR, Passwords.parse(HASH)),
                new Authenticator.User("vic", Role.VIEWER, Passwords.parse(HASH))));
        auth.setTokens(List.of(new Authenticator.Token("ci", Role.VIEWER, Passwords.tokenDigest("tok-123"))));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicBearerAndSessionAuthenticateWithTheirRoles() {
        var ann = assertInstanceOf(Authenticator.Granted.class, auth.authenticate(basic("ann", "s3cret-pass"), null, "a"));
        assertEquals(Role.OPERATOR, ann.principal().role());
        assertEquals("basic", ann.principal().via());
        var ci = assertInstanceOf(Authenticator.Granted.class, auth.authenticate("Bearer tok-123", null, "a"));
        assertEquals(Role.VIEWER, ci.principal().role());
        var login = assertInstanceOf(Authenticator.Granted.class, auth.logIn("vic", "s3cret-pass", "a"));
        String id = login.principal().session().orElseThrow().id();
        var viaCookie = assertInstanceOf(Authenticator.Granted.class, auth.authenticate(null, id, "a"));
        assertEquals("vic", viaCookie.principal().user());
        assertEquals(login.principal().session().get().csrfToken(), viaCookie.principal().session().get().csrfToken());
    }

    @Test
    void wrongOrMalformedCredentialsAreDeniedWithoutSayingWhichPart() {
        assertEquals("wrong user or password", ((Authenticator.Denied) auth.authenticate(basic("ann", "nope"), null,
                "a")).reason());
        assertEquals("wrong user or password", ((Authenticator.Denied) auth.authenticate(basic("nobody", "nope"),
                null, "b")).reason());
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate("Basic ###", null, "a"));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate("Basic " + Base64.getEncoder()
                .encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)), null, "a"));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate("Bearer", null, "c"));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate("Negotiate abc", null, "a"));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(null, "no-such-session", "a"));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(null, null, "a"));
    }

    @Test
    void repeatedFailuresLockOutEvenTheRightPasswordThenDoubling() {
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Authenticator.Denied.class, auth.logIn("ann", "guess" + i, "10.0.0.1"));
        }
        var locked = assertInstanceOf(Authenticator.Throttled.class, auth.logIn("ann", "s3cret-pass", "10.0.0.1"));
        assertEquals(Duration.ofMinutes(1), locked.retryAfter());
        assertInstanceOf(Authenticator.Granted.class, auth.logIn("ann", "s3cret-pass", "10.0.0.2"),
                "another address is not locked out");
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Authenticator.Denied.class, auth.logIn("ann", "guess" + i, "10.0.0.1"));
        }
        assertEquals(Duration.ofMinutes(2), ((Authenticator.Throttled) auth.logIn("ann", "x", "10.0.0.1"))
                .retryAfter(), "the second lock-out is twice as long");
    }

    @Test
    void guessesSentAllAtOnceAreCountedBeforeTheyAreChecked() throws Exception {
        // 12 wrong passwords at the same moment: each is hashed for tens of milliseconds, so a throttle that counts
        // a failure only after hashing lets all 12 through; only maxFailures (3) may be checked
        int guesses = 12;
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(guesses);
        try {
            List<java.util.concurrent.Future<Authenticator.Outcome>> outcomes = new java.util.ArrayList<>();
            for (int i = 0; i < guesses; i++) {
                String guess = "guess-" + i;
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return auth.logIn("ann", guess, "10.7.7.7");
                }));
            }
            start.countDown();
            int checked = 0;
            for (var outcome : outcomes) {
                Authenticator.Outcome o = outcome.get(60, java.util.concurrent.TimeUnit.SECONDS);
                if (o instanceof Authenticator.Denied) {
                    checked++;
                } else {
                    assertInstanceOf(Authenticator.Throttled.class, o);
                }
            }
            assertEquals(3, checked, "guesses checked");
        } finally {
            pool.shutdownNow();
        }
        assertInstanceOf(Authenticator.Throttled.class, auth.logIn("ann", "s3cret-pass", "10.7.7.7"));
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertInstanceOf(Authenticator.Granted.class, auth.logIn("ann", "s3cret-pass", "10.7.7.7"),
                "after the lock-out the right password works");
        assertInstanceOf(Authenticator.Granted.class, auth.logIn("ann", "s3cret-pass", "10.7.7.7"),
                "and a success leaves nothing in flight");
    }

    @Test
    void anUnknownUserCostsTheHashingOfTheConfiguredUsers() {
        // the users here are hashed with 100,000 iterations: an unknown name checked against 600,000 would answer
        // six times slower and tell which names exist
        assertEquals(Passwords.MIN_ITERATIONS, auth.unknownUserIterations());
        String other = Passwords.hash("x".toCharArray(), 200_000);
        auth.setUsers(List.of(new Authenticator.User("a", Role.VIEWER, Passwords.parse(other)),
                new Authenticator.User("b", Role.VIEWER, Passwords.parse(other)),
                new Authenticator.User("c", Role.VIEWER, Passwords.parse(HASH)),
                new Authenticator.User("admin", Role.OPERATOR, Passwords.ofRandomSecret(
                        Passwords.randomSecret(24).toCharArray()))));
        assertEquals(200_000, auth.unknownUserIterations(), "the most common count (the generated admin's aside)");
        auth.setUsers(List.of());
        assertEquals(Passwords.ITERATIONS, auth.unknownUserIterations());
    }

    @Test
    void aTokenSentWithoutItsSchemeIsNotEchoedInTheRefusal() {
        // a script that forgets "Bearer " sends the bare token: the 401 problem's detail must not repeat it
        var denied = assertInstanceOf(Authenticator.Denied.class, auth.authenticate("tok-123-secret", null, "a"));
        assertFalse(denied.reason().contains("tok-123-secret"), denied.reason());
        assertTrue(denied.reason().contains("Basic or Bearer"), denied.reason());
    }

    @Test
    void unknownBearerTokensAreThrottledButAConfiguredOneNeverIs() {
        for (int i = 0; i < 12; i++) {
            auth.authenticate("Bearer guess-" + i, null, "10.0.0.9");
        }
        assertInstanceOf(Authenticator.Throttled.class, auth.authenticate("Bearer guess-x", null, "10.0.0.9"));
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate("Bearer tok-123", null, "10.0.0.9"),
                "a stale script's failures must not lock out the configured token of the same client");
    }

    @Test
    void aPasswordCheckedRightJustBeforeStillWorksDuringALockOutButGuessesDoNot() {
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate(basic("ann", "s3cret-pass"), null, "10.1.1.1"));
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Authenticator.Denied.class, auth.authenticate(basic("ann", "guess" + i), null,
                    "10.1.1.1"));
        }
        assertInstanceOf(Authenticator.Throttled.class, auth.authenticate(basic("ann", "guess-4"), null, "10.1.1.1"));
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate(basic("ann", "s3cret-pass"), null,
                "10.1.1.1"), "checked right within VERIFIED_FOR: not a guess");
        clock.now = clock.now.plus(Authenticator.VERIFIED_FOR); // the lock-out (1 min) is over too: lock out again
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Authenticator.Denied.class, auth.authenticate(basic("ann", "again" + i), null,
                    "10.1.1.1"));
        }
        assertInstanceOf(Authenticator.Throttled.class, auth.authenticate(basic("ann", "s3cret-pass"), null,
                "10.1.1.1"), "once the check is older than VERIFIED_FOR, a lock-out holds for the right password");
    }

    @Test
    void oneClientsFailuresForSomeNamesDoNotLockOutAUserWhoGotNothingWrong() {
        // a script on the same machine keeps sending a stale password for 'vic' (and for names that do not exist)
        for (int i = 0; i < 3; i++) {
            auth.authenticate(basic("vic", "stale"), null, "127.0.0.1");
        }
        for (int i = 0; i < 9; i++) { // 12 failures from this client in all: its client-wide limit (4 × 3)
            assertInstanceOf(Authenticator.Denied.class, auth.authenticate(basic("ghost-" + i, "x"), null,
                    "127.0.0.1"));
        }
        assertInstanceOf(Authenticator.Throttled.class, auth.authenticate(basic("vic", "s3cret-pass"), null,
                "127.0.0.1"), "the name that failed is locked out, even with its right password");
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(basic("ghost-99", "x"), null, "127.0.0.1"),
                "a new name from a client past the client-wide limit gets one try");
        assertInstanceOf(Authenticator.Throttled.class, auth.authenticate(basic("ghost-99", "y"), null,
                "127.0.0.1"), "and no second");
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate(basic("ann", "s3cret-pass"), null,
                "127.0.0.2"), "a local user who got nothing wrong still logs in");
    }

    @Test
    void sessionsExpireAndEndWhenTheirUserChanges() {
        String id = ((Authenticator.Granted) auth.logIn("ann", "s3cret-pass", "a")).principal().session().get().id();
        clock.now = clock.now.plus(Duration.ofMinutes(29));
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate(null, id, "a"), "use keeps it alive");
        clock.now = clock.now.plus(Duration.ofMinutes(29));
        assertInstanceOf(Authenticator.Granted.class, auth.authenticate(null, id, "a"));
        clock.now = clock.now.plus(Duration.ofMinutes(30));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(null, id, "a"), "30 minutes idle ends it");

        String again = ((Authenticator.Granted) auth.logIn("ann", "s3cret-pass", "a")).principal().session().get()
                .id();
        auth.setUsers(List.of(new Authenticator.User("ann", Role.VIEWER, Passwords.parse(HASH))));
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(null, again, "a"),
                "a changed role ends the session");
        assertEquals(Set.of("ann"), auth.userNames());
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(basic("vic", "s3cret-pass"), null, "z"),
                "a removed user cannot log in, even with a remembered credential");
    }

    @Test
    void theLeastRecentlyUsedSessionMakesRoomAtTheLimit() {
        String first = ((Authenticator.Granted) auth.logIn("ann", "s3cret-pass", "a")).principal().session().get().id();
        for (int i = 0; i < 3; i++) {
            clock.now = clock.now.plusSeconds(1);
            auth.logIn("ann", "s3cret-pass", "a");
        }
        assertEquals(3, sessions.size());
        assertInstanceOf(Authenticator.Denied.class, auth.authenticate(null, first, "a"));
    }

    @Test
    void passwordHashesRoundTripAndBadOnesNameTheProblem() {
        Passwords.Hash hash = Passwords.parse(HASH);
        assertTrue(hash.matches("s3cret-pass".toCharArray()));
        assertFalse(hash.matches("s3cret-pasS".toCharArray()));
        assertTrue(hash.sameAs(Passwords.parse(HASH)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Passwords.parse("secret")).getMessage()
                .contains("web:hashpw"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Passwords.parse(
                Passwords.hash("x".toCharArray(), 1000))).getMessage().contains("at least 100000"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Passwords.parse(
                "pbkdf2-sha256$200000$***$***")).getMessage().contains("base64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Passwords.parse(
                "pbkdf2-sha256$lots$AAAAAAAAAAA$AAAA")).getMessage().contains("whole number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Role.parse("admin")).getMessage()
                .contains("viewer or operator"));
    }
}
