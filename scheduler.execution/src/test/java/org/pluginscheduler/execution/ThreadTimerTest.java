package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class ThreadTimerTest {

    @Test
    void actionsRunOnOneDaemonWatchThreadAndOneThatThrowsDoesNotEndIt() throws InterruptedException {
        try (ThreadTimer timer = new ThreadTimer()) {
            AtomicReference<Thread> first = new AtomicReference<>();
            AtomicReference<Thread> second = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            timer.schedule(Duration.ZERO, () -> {
                first.set(Thread.currentThread());
                throw new IllegalStateException("an action that throws");
            });
            timer.schedule(Duration.ZERO, () -> {
                second.set(Thread.currentThread());
                done.countDown();
            });
            PoolsFixture.await(done, "the second action ran");
            assertEquals(ThreadTimer.THREAD_NAME, second.get().getName());
            assertTrue(second.get().isDaemon());
            assertEquals(first.get(), second.get(), "one thread");
        }
    }

    @Test
    void aCancelledActionDoesNotRun() throws InterruptedException {
        try (ThreadTimer timer = new ThreadTimer()) {
            CountDownLatch cancelledRan = new CountDownLatch(1);
            CountDownLatch laterRan = new CountDownLatch(1);
            // the watch thread is held until the first action is cancelled, so the cancel comes before it is due
            CountDownLatch cancelled = new CountDownLatch(1);
            timer.schedule(Duration.ZERO, () -> {
                try {
                    cancelled.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Timer.Cancellable action = timer.schedule(Duration.ZERO, cancelledRan::countDown);
            action.cancel();
            cancelled.countDown();
            timer.schedule(Duration.ZERO, laterRan::countDown);
            PoolsFixture.await(laterRan, "a later action ran");
            assertEquals(1, cancelledRan.getCount(), "the cancelled one did not");
        }
    }

    @Test
    void aClosedTimerRefusesActions() {
        ThreadTimer timer = new ThreadTimer();
        timer.close();
        assertThrows(RejectedExecutionException.class, () -> timer.schedule(Duration.ZERO, () -> { }));
    }

    @Test
    void delaysThatDoNotFitInNanosecondsAreCapped() {
        assertEquals(Long.MAX_VALUE, ThreadTimer.nanos(ChronoUnit.FOREVER.getDuration()));
        assertEquals(0, ThreadTimer.nanos(Duration.ofSeconds(-1)));
        assertEquals(1_000_000_000L, ThreadTimer.nanos(Duration.ofSeconds(1)));
    }
}
