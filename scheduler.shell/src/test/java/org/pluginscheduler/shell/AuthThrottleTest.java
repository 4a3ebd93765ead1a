package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class AuthThrottleTest {

    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final AuthThrottle throttle = new AuthThrottle(clock::get, 100 * MS, 1_000 * MS, 10_000 * MS);

    private List<Long> fail(String source, int times) {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            delays.add(throttle.failed(source) / MS);
        }
        return delays;
    }

    @Test
    void theDelayDoublesWithEachFailureOfABurstUpToTheMaximum() {
        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L, 1_000L), fail("loopback", 6));
    }

    @Test
    void aQuietWindowEndsTheBurstAndOnlyThat() {
        fail("loopback", 3);
        clock.addAndGet(9_999 * MS);
        assertEquals(List.of(800L), fail("loopback", 1), "still the same burst");
        clock.addAndGet(10_000 * MS);
        assertEquals(List.of(100L, 200L), fail("loopback", 2), "a new burst starts from the first step");
    }

    @Test
    void sourcesAreCountedApartAndEveryLoopbackAddressIsOne() throws UnknownHostException {
        assertEquals("loopback", RefusalLog.source(InetAddress.getByName("127.0.0.1")));
        assertEquals("loopback", RefusalLog.source(InetAddress.getByName("127.45.6.7")));
        assertEquals("loopback", RefusalLog.source(InetAddress.getByName("::1")));
        assertEquals("192.0.2.1", RefusalLog.source(InetAddress.getByName("192.0.2.1")));
        fail("loopback", 3);
        assertEquals(List.of(100L), fail("192.0.2.1", 1));
        assertEquals(List.of(800L), fail("loopback", 1));
    }

    @Test
    void beyondTheSourceLimitFurtherSourcesShareOneCount() {
        for (int i = 0; i < AuthThrottle.MAX_SOURCES; i++) {
            fail("10.0." + (i / 256) + "." + (i % 256), 1);
        }
        assertEquals(List.of(100L), fail("192.0.2.1", 1));
        assertEquals(List.of(200L, 400L), fail("192.0.2.2", 2), "shares the count of 192.0.2.1");
    }

    @Test
    void extremeCountsAndSettingsDoNotOverflow() {
        AuthThrottle big = new AuthThrottle(clock::get, 600_000 * MS, 600_000 * MS, MS);
        assertEquals(600_000 * MS, big.delay(Long.MAX_VALUE));
        assertEquals(1_000 * MS, throttle.delay(1_000));
        assertEquals(0, new AuthThrottle(clock::get, 0, 0, MS).failed("loopback"), "0 turns throttling off");
        assertThrows(IllegalArgumentException.class, () -> new AuthThrottle(clock::get, 2, 1, 1));
    }
}
