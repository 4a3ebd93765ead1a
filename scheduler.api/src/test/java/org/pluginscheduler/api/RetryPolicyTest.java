package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    private static final Duration S1 = Duration.ofSeconds(1);

    @Test
    void noneNeverRetries() {
        RetryPolicy none = RetryPolicy.none();
        assertEquals(0, none.maxRetries());
        assertEquals(Duration.ZERO, none.delayBefore(1));
        assertSame(none, RetryPolicy.none());
        assertEquals(RetryPolicy.fixed(0, Duration.ZERO), none);
    }

    @Test
    void fixedWaitsTheSameBeforeEveryRetry() {
        RetryPolicy p = RetryPolicy.fixed(3, Duration.ofSeconds(10));
        assertEquals(3, p.maxRetries());
        for (int retry = 1; retry <= 5; retry++) {
            assertEquals(Duration.ofSeconds(10), p.delayBefore(retry));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            1 | PT5S
            2 | PT7S
            3 | PT9S
            10 | PT23S
            """)
    void linearGrowsByTheIncrement(int retry, String expected) {
        RetryPolicy p = RetryPolicy.linear(10, Duration.ofSeconds(5), Duration.ofSeconds(2));
        assertEquals(Duration.parse(expected), p.delayBefore(retry));
        assertEquals(10, p.maxRetries());
    }

    @Test
    void linearWithZeroIncrementIsConstant() {
        RetryPolicy p = RetryPolicy.linear(2, Duration.ofSeconds(5), Duration.ZERO);
        assertEquals(Duration.ofSeconds(5), p.delayBefore(1));
        assertEquals(Duration.ofSeconds(5), p.delayBefore(2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            1  | PT1S
            2  | PT2S
            3  | PT4S
            4  | PT8S
            5  | PT16S
            6  | PT30S
            7  | PT30S
            1000 | PT30S
            """)
    void exponentialDoublesUpToTheCap(int retry, String expected) {
        RetryPolicy p = RetryPolicy.exponential(1000, S1, 2.0, Duration.ofSeconds(30), 0.0);
        assertEquals(Duration.parse(expected), p.delayBefore(retry));
    }

    @Test
    void exponentialWithFractionalFactor() {
        RetryPolicy p = RetryPolicy.exponential(5, Duration.ofMillis(1000), 1.5, Duration.ofHours(1), 0);
        assertEquals(Duration.ofMillis(1000), p.delayBefore(1));
        assertEquals(Duration.ofMillis(1500), p.delayBefore(2));
        assertEquals(Duration.ofMillis(2250), p.delayBefore(3));
        assertEquals(Duration.ofMillis(3375), p.delayBefore(4));
    }

    @Test
    void exponentialWithFactorOneIsConstant() {
        RetryPolicy p = RetryPolicy.exponential(5, Duration.ofSeconds(3), 1.0, Duration.ofHours(1), 0);
        assertEquals(Duration.ofSeconds(3), p.delayBefore(1));
        assertEquals(Duration.ofSeconds(3), p.delayBefore(5));
    }

    @Test
    void aCapOfForeverMeansNoCap() {
        Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
        RetryPolicy p = RetryPolicy.exponential(1000, S1, 2.0, forever, 0);
        assertEquals(Duration.ofSeconds(1), p.delayBefore(1));
        assertEquals(Duration.ofSeconds(1024), p.delayBefore(11));
        assertEquals(Duration.ofMillis(Long.MAX_VALUE), p.delayBefore(1000), "saturates instead of overflowing");
        RetryPolicy hugeBase = RetryPolicy.exponential(3, forever, 2.0, Duration.ofHours(1), 0.5);
        long millis = hugeBase.delayBefore(2).toMillis();
        assertTrue(millis >= 1_800_000 && millis <= 3_600_000, String.valueOf(millis));
    }

    @Test
    void subMillisecondPartsAreTruncated() {
        RetryPolicy p = RetryPolicy.exponential(3, Duration.ofNanos(1_500_000), 2.0, Duration.ofHours(1), 0);
        assertEquals(Duration.ofMillis(1), p.delayBefore(1));
        assertEquals(Duration.ofMillis(2), p.delayBefore(2));
    }

    @Test
    void capBelowBaseCapsEveryWait() {
        RetryPolicy p = RetryPolicy.exponential(5, Duration.ofSeconds(10), 2, Duration.ofSeconds(4), 0);
        assertEquals(Duration.ofSeconds(4), p.delayBefore(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            1 | 1000  | 0.5
            3 | 4000  | 0.5
            6 | 30000 | 0.5
            9 | 30000 | 0.1
            2 | 2000  | 1.0
            """)
    void jitterOnlyShortensAndStaysWithinBounds(int retry, long unjitteredMillis, double jitter) {
        RetryPolicy p = RetryPolicy.exponential(10, S1, 2.0, Duration.ofSeconds(30), jitter);
        long lowest = (long) Math.ceil(unjitteredMillis * (1 - jitter));
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 500; i++) {
            long millis = p.delayBefore(retry).toMillis();
            assertTrue(millis >= lowest && millis <= unjitteredMillis,
                    millis + " is not in [" + lowest + ", " + unjitteredMillis + "]");
            min = Math.min(min, millis);
            max = Math.max(max, millis);
        }
        // 500 uniform draws over a range of hundreds of milliseconds cannot all coincide
        assertTrue(min < max, "jitter must randomize the wait");
    }

    @Test
    void zeroJitterIsDeterministic() {
        RetryPolicy p = RetryPolicy.exponential(10, S1, 3.0, Duration.ofMinutes(5), 0.0);
        for (int i = 0; i < 50; i++) {
            assertEquals(Duration.ofSeconds(9), p.delayBefore(3));
        }
    }

    @Test
    void recordsAreValueObjects() {
        assertEquals(RetryPolicy.fixed(2, S1), RetryPolicy.fixed(2, S1));
        assertEquals(RetryPolicy.linear(2, S1, S1), new RetryPolicy.Linear(2, S1, S1));
        assertEquals(RetryPolicy.exponential(2, S1, 2, S1, 0.5), new RetryPolicy.Exponential(2, S1, 2, S1, 0.5));
    }

    @Test
    void boundaryArgumentsAreAccepted() {
        assertEquals(1000, RetryPolicy.fixed(1000, Duration.ZERO).maxRetries());
        assertEquals(0, RetryPolicy.linear(0, Duration.ZERO, Duration.ZERO).maxRetries());
        assertEquals(100.0, ((RetryPolicy.Exponential) RetryPolicy.exponential(1, S1, 100, S1, 1.0)).factor());
    }

    private static void assertRejected(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
    }

    @Test
    void invalidArgumentsAreRejectedNamingTheField() {
        Duration minus = Duration.ofSeconds(-1);
        assertRejected("maxRetries: -1 is not in 0–1000", () -> RetryPolicy.fixed(-1, S1));
        assertRejected("maxRetries: 1001 is not in 0–1000", () -> RetryPolicy.fixed(1001, S1));
        assertRejected("maxRetries: -1 is not in 0–1000", () -> RetryPolicy.linear(-1, S1, S1));
        assertRejected("maxRetries: 1001 is not in 0–1000", () -> RetryPolicy.exponential(1001, S1, 2, S1, 0));
        assertRejected("delay: PT-1S must not be negative", () -> RetryPolicy.fixed(1, minus));
        assertRejected("initial: PT-1S must not be negative", () -> RetryPolicy.linear(1, minus, S1));
        assertRejected("increment: PT-1S must not be negative", () -> RetryPolicy.linear(1, S1, minus));
        assertRejected("base: PT-1S must not be negative", () -> RetryPolicy.exponential(1, minus, 2, S1, 0));
        assertRejected("cap: PT-1S must not be negative", () -> RetryPolicy.exponential(1, S1, 2, minus, 0));
        assertRejected("factor: 0.5 is not in 1–100", () -> RetryPolicy.exponential(1, S1, 0.5, S1, 0));
        assertRejected("factor: 100.5 is not in 1–100", () -> RetryPolicy.exponential(1, S1, 100.5, S1, 0));
        assertRejected("factor: NaN is not in 1–100", () -> RetryPolicy.exponential(1, S1, Double.NaN, S1, 0));
        assertRejected("factor: Infinity is not in 1–100",
                () -> RetryPolicy.exponential(1, S1, Double.POSITIVE_INFINITY, S1, 0));
        assertRejected("jitter: -0.1 is not in 0–1", () -> RetryPolicy.exponential(1, S1, 2, S1, -0.1));
        assertRejected("jitter: 1.5 is not in 0–1", () -> RetryPolicy.exponential(1, S1, 2, S1, 1.5));
        assertRejected("jitter: NaN is not in 0–1", () -> RetryPolicy.exponential(1, S1, 2, S1, Double.NaN));
    }

    @Test
    void nullDurationsAreRejectedNamingTheField() {
        assertEquals("delay", assertThrows(NullPointerException.class, () -> RetryPolicy.fixed(1, null)).getMessage());
        assertEquals("initial",
                assertThrows(NullPointerException.class, () -> RetryPolicy.linear(1, null, S1)).getMessage());
        assertEquals("increment",
                assertThrows(NullPointerException.class, () -> RetryPolicy.linear(1, S1, null)).getMessage());
        assertEquals("base",
                assertThrows(NullPointerException.class, () -> RetryPolicy.exponential(1, null, 2, S1, 0)).getMessage());
        assertEquals("cap",
                assertThrows(NullPointerException.class, () -> RetryPolicy.exponential(1, S1, 2, null, 0)).getMessage());
    }

    @Test
    void retryDecisions() {
        RetryDecision retry = RetryDecision.retryAfter(Duration.ofSeconds(5), "busy");
        assertEquals(new RetryDecision.Retry(Duration.ofSeconds(5), "busy"), retry);
        assertEquals("busy", retry.reason());
        assertEquals(new RetryDecision.GiveUp("hopeless"), RetryDecision.giveUp("hopeless"));
        assertEquals(new RetryDecision.Abort("forbidden"), RetryDecision.abort("forbidden"));
        assertEquals(Duration.ZERO, ((RetryDecision.Retry) RetryDecision.retryAfter(Duration.ZERO, "now")).delay());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryDecision.retryAfter(Duration.ofMillis(-1), "x"));
        assertEquals("delay: PT-0.001S must not be negative", e.getMessage());
        assertThrows(NullPointerException.class, () -> RetryDecision.giveUp(null));
        assertThrows(NullPointerException.class, () -> RetryDecision.abort(null));
        assertThrows(NullPointerException.class, () -> RetryDecision.retryAfter(null, "x"));
    }
}
