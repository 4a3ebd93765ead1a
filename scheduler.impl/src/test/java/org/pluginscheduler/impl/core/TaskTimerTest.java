package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class TaskTimerTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(t0);
    private final TaskTimer timer = new TaskTimer(clock);
    private final List<String> fired = new ArrayList<>();

    @Test
    void firesDueEntriesInTimeOrderWithTheirScheduledInstant() {
        timer.schedule(t0.plusSeconds(2), due -> fired.add("b@" + due.at));
        timer.schedule(t0.plusSeconds(1), due -> fired.add("a@" + due.at));
        timer.schedule(t0.plusSeconds(5), due -> fired.add("c@" + due.at));

        assertEquals(Optional.of(t0.plusSeconds(1)), timer.runDue());
        assertTrue(fired.isEmpty(), "nothing is due yet");

        clock.advance(Duration.ofSeconds(3));
        assertEquals(Optional.of(t0.plusSeconds(5)), timer.runDue());
        assertEquals(List.of("a@" + t0.plusSeconds(1), "b@" + t0.plusSeconds(2)), fired);
        assertEquals(1, timer.size());
    }

    @Test
    void cancelledEntriesNeverFire() {
        TaskTimer.Entry entry = timer.schedule(t0.plusSeconds(1), due -> fired.add("x"));
        timer.cancel(entry);
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Optional.empty(), timer.runDue());
        assertTrue(fired.isEmpty());
    }

    @Test
    void aCallbackMayArmTheNextFireAndAFailingCallbackDoesNotStopOthers() {
        timer.schedule(t0.plusSeconds(1), due -> {
            throw new IllegalStateException("boom");
        });
        timer.schedule(t0.plusSeconds(1), due -> {
            fired.add("first");
            timer.schedule(due.at.plusSeconds(1), next -> fired.add("second"));
        });
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.of(t0.plusSeconds(2)), timer.runDue());
        clock.advance(Duration.ofSeconds(1));
        timer.runDue();
        assertEquals(List.of("first", "second"), fired);
    }

    @Test
    void theTimerThreadSurvivesAnEntryCenturiesAway() throws InterruptedException {
        TaskTimer real = new TaskTimer(java.time.Clock.systemUTC());
        java.util.concurrent.CountDownLatch soon = new java.util.concurrent.CountDownLatch(1);
        real.schedule(Instant.parse("2999-01-01T00:00:00Z"), due -> fired.add("far"));
        real.start("timer-test");
        try {
            Thread.sleep(50); // the thread plans its sleep for the far entry first
            real.schedule(Instant.now().plusMillis(20), due -> soon.countDown());
            assertTrue(soon.await(5, java.util.concurrent.TimeUnit.SECONDS), "a nearer entry still fires");
        } finally {
            real.stop();
        }
        assertTrue(fired.isEmpty());
    }

    @Test
    void cancellingManyEntriesIsCheapAndOnlyTheRestFire() {
        int n = 200_000; // a linear remove per cancel made this take minutes
        List<TaskTimer.Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            entries.add(timer.schedule(t0.plusSeconds(1 + i % 1000), due -> fired.add("e" + k)));
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (i % 1000 != 7) {
                timer.cancel(entries.get(i));
            }
        }
        timer.cancel(entries.get(0)); // twice: still a no-op
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "cancelling is not quadratic");
        assertEquals(n / 1000, timer.size());
        clock.advance(Duration.ofSeconds(2000));
        assertEquals(Optional.empty(), timer.runDue());
        assertEquals(n / 1000, fired.size());
        assertTrue(fired.stream().allMatch(f -> Integer.parseInt(f.substring(1)) % 1000 == 7));
        assertEquals(0, timer.size());
    }

    @Test
    void aCancelledHeadNoLongerDecidesTheNextWakeUp() {
        TaskTimer.Entry first = timer.schedule(t0.plusSeconds(1), due -> fired.add("first"));
        timer.schedule(t0.plusSeconds(5), due -> fired.add("second"));
        timer.cancel(first);
        assertEquals(Optional.of(t0.plusSeconds(5)), timer.runDue());
        assertEquals(1, timer.size());
        timer.cancel(first); // after it left the queue: a no-op
        assertEquals(1, timer.size());
    }

    @Test
    void sameInstantFiresInArmingOrder() {
        for (int i = 0; i < 5; i++) {
            int n = i;
            timer.schedule(t0, due -> fired.add("e" + n));
        }
        timer.runDue();
        assertEquals(List.of("e0", "e1", "e2", "e3", "e4"), fired);
    }

    @Test
    void ownersTakeTurnsWhenManyEntriesAreDueTogetherEachInItsOwnTimeOrder() {
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            timer.schedule(t0, "flood", due -> fired.add("flood" + n));
        }
        timer.schedule(t0.plusMillis(1), "good", due -> fired.add("good0"));
        timer.schedule(t0.plusMillis(2), "good", due -> fired.add("good1"));
        timer.schedule(t0.plusMillis(2), due -> fired.add("core"));
        clock.advance(Duration.ofMillis(5));
        timer.runDue();
        assertEquals(10_003, fired.size());
        assertEquals(List.of("flood0", "good0", "core", "flood1", "good1", "flood2", "flood3"), fired.subList(0, 7),
                "one entry per owner in turn, earliest first within each");
        List<String> flood = fired.stream().filter(f -> f.startsWith("flood")).toList();
        for (int i = 0; i < flood.size(); i++) {
            assertEquals("flood" + i, flood.get(i));
        }
    }

    @Test
    void anEntryThatBecomesDueWhileABurstFiresGetsItsTurnWithinARound() {
        List<Integer> goodAt = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            timer.schedule(t0, "flood", due -> {
                fired.add("flood");
                clock.advance(Duration.ofMillis(1)); // each fire takes a millisecond
            });
        }
        timer.schedule(t0.plusMillis(100), "good", due -> goodAt.add(fired.size()));
        timer.runDue();
        assertEquals(1, goodAt.size());
        assertTrue(goodAt.get(0) <= 100 + TaskTimer.FIRES_PER_ROUND + 1,
                "due after 100 fires, it fired after " + goodAt.get(0) + ", not after all 1,000");
    }

    @Test
    void anEntryCancelledWhileWaitingForItsTurnDoesNotFire() {
        List<TaskTimer.Entry> later = new ArrayList<>();
        timer.schedule(t0, "a", due -> {
            fired.add("a");
            later.forEach(timer::cancel); // e.g. the task was removed by what this fire did
        });
        later.add(timer.schedule(t0, "a", due -> fired.add("a-cancelled")));
        timer.schedule(t0, "b", due -> fired.add("b"));
        timer.runDue();
        assertEquals(List.of("a", "b"), fired);
        assertEquals(0, timer.size());
    }
}
