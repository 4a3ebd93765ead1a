package org.pluginscheduler.web.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a guesser cannot get around: new loopback addresses, new IPv6 addresses of one network, the memory. */
class LoginThrottleTest {

    private final AuthenticatorTest.HandClock clock = new AuthenticatorTest.HandClock();
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofMinutes(1));

    private void fail(String address, String user) {
        assertTrue(throttle.acquire(address, user).isEmpty(), address + " admitted");
        throttle.failure(address, user);
    }

    @Test
    void everyLoopbackAddressIsOneClient() {
        // 127.0.0.0/8 is all loopback: a local guesser can send from 16 million source addresses
        for (String address : List.of("127.0.0.1", "127.0.0.2", "127.1.2.3")) {
            fail(address, "ann");
        }
        for (String address : List.of("127.9.9.9", "0:0:0:0:0:0:0:1", "::1", "[::1]", "::ffff:127.0.0.5")) {
            assertTrue(throttle.acquire(address, "ann").isPresent(), address + " is the same machine, locked out");
        }
    }

    @Test
    void theAddressesOfOneIpv6NetworkAreOneClient() {
        for (String address : List.of("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:aaaa:bbbb:cccc:dddd")) {
            fail(address, "ann");
        }
        assertTrue(throttle.acquire("2001:db8:1:2::99", "ann").isPresent(), "the same /64");
        assertTrue(throttle.acquire("2001:db8:1:3::1", "ann").isEmpty(), "another network");
        assertTrue(throttle.acquire("10.0.0.1", "ann").isEmpty(), "IPv4 addresses stay apart");
        assertTrue(throttle.acquire("10.0.0.2", "ann").isEmpty());
    }

    @Test
    void theStateStaysBoundedWhateverTheGuesserSends() {
        // one failure each from many addresses and names, all within the lock-out's memory: entries must not grow
        // without bound (nor keep 60 KB names)
        String longName = "n".repeat(60_000);
        for (int i = 0; i < 3 * LoginThrottle.MAX_KEYS; i++) {
            fail("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), i % 2 == 0 ? "user" + i
                    : longName + i);
        }
        assertTrue(throttle.size() <= LoginThrottle.MAX_KEYS + 2, "entries: " + throttle.size());
        assertTrue(throttle.keyChars() <= (long) throttle.size() * 200, "key characters: " + throttle.keyChars());
        // a lock-out still works after that
        for (int i = 0; i < 3; i++) {
            fail("10.200.0.1", "ann");
        }
        assertEquals(Duration.ofMinutes(1), throttle.acquire("10.200.0.1", "ann").orElseThrow());
    }

    @Test
    void failuresLongAgoAreForgotten() {
        // twelve typos by different people over a month must not lock the whole office (one address) out
        for (int i = 0; i < 12; i++) {
            clock.now = clock.now.plus(Duration.ofDays(2));
            fail("10.1.1.1", "user" + i);
        }
        assertTrue(throttle.acquire("10.1.1.1", "user99").isEmpty(), "not locked out by last month's typos");
        for (int i = 0; i < 3; i++) {
            fail("10.1.1.2", "ann");
            clock.now = clock.now.plus(Duration.ofMinutes(1));
        }
        assertTrue(throttle.acquire("10.1.1.2", "ann").isEmpty(), "the lock-out has passed");
        throttle.failure("10.1.1.2", "ann");
        clock.now = clock.now.plus(Duration.ofDays(2));
        for (int i = 0; i < 3; i++) {
            fail("10.1.1.2", "ann");
        }
        assertEquals(Duration.ofMinutes(1), throttle.acquire("10.1.1.2", "ann").orElseThrow(),
                "two days later the lock-out starts short again");
    }
}
