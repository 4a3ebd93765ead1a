package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * The barrier between commits and reads, without a database: a read that may have seen a commit under way returns
 * only once that commit has returned, and fails if it failed. Timing is controlled with latches, never sleeps.
 */
class CommitBarrierTest {

    private static final Duration LONG = Duration.ofSeconds(10);

    private final CommitBarrier barrier = new CommitBarrier();

    @Test
    void aReadWithNoCommitUnderWayDoesNotWait() throws Exception {
        barrier.awaitDurable(Duration.ZERO);
        barrier.commit(() -> { });
        barrier.commit(() -> { });
        barrier.awaitDurable(Duration.ZERO);
        assertEquals(0, barrier.waits());
        assertEquals(2, barrier.durable());
    }

    @Test
    void aReadDuringACommitReturnsOnlyOnceTheCommitHasReturned() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch finishCommit = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                barrier.commit(() -> {
                    inCommit.countDown(); // H2 may have made the commit visible from here on
                    await(finishCommit);
                });
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        writer.start();
        assertTrue(inCommit.await(10, TimeUnit.SECONDS));

        CountDownLatch readReturned = new CountDownLatch(1);
        AtomicReference<Throwable> readFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                barrier.awaitDurable(LONG); // the read's query has returned, maybe with the commit's rows
            } catch (Throwable t) {
                readFailure.set(t);
            }
            readReturned.countDown();
        });
        reader.start();
        assertFalse(readReturned.await(200, TimeUnit.MILLISECONDS), "the read waits for the commit under way");
        finishCommit.countDown();
        assertTrue(readReturned.await(10, TimeUnit.SECONDS), "and returns once it has returned");
        assertNull(readFailure.get());
        writer.join(10_000);
        assertEquals(1, barrier.waits());
    }

    @Test
    void aReadThatMayHaveSeenAFailedCommitFailsUntilALaterCommitSucceeds() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch failCommit = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            assertThrows(SQLException.class, () -> barrier.commit(() -> {
                inCommit.countDown();
                await(failCommit);
                throw new SQLException("IO Exception: No space left on device", "08000", 90028);
            }));
        });
        writer.start();
        assertTrue(inCommit.await(10, TimeUnit.SECONDS));
        AtomicReference<Throwable> readFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                barrier.awaitDurable(LONG);
            } catch (Throwable t) {
                readFailure.set(t);
            }
        });
        reader.start();
        while (reader.getState() != Thread.State.TIMED_WAITING) { // waiting for the commit
            Thread.onSpinWait();
        }
        failCommit.countDown();
        reader.join(10_000);
        writer.join(10_000);
        assertInstanceOf(CommitBarrier.NotDurableException.class, readFailure.get());
        assertThrows(CommitBarrier.NotDurableException.class, () -> barrier.awaitDurable(LONG),
                "a read now may still see what the failed commit made visible");

        barrier.commit(() -> { }); // writes everything visible before it, the failed commit's leftovers included
        barrier.awaitDurable(Duration.ZERO);
    }

    @Test
    void aCommitThatDoesNotReturnTimesTheReadOut() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch finishCommit = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                barrier.commit(() -> {
                    inCommit.countDown();
                    await(finishCommit);
                });
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        writer.start();
        assertTrue(inCommit.await(10, TimeUnit.SECONDS));
        assertThrows(TimeoutException.class, () -> barrier.awaitDurable(Duration.ofMillis(50)));
        finishCommit.countDown();
        writer.join(10_000);
        barrier.awaitDurable(Duration.ZERO);
    }

    @Test
    void anInterruptedReadStillWaitsAndKeepsItsInterrupt() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch finishCommit = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                barrier.commit(() -> {
                    inCommit.countDown();
                    await(finishCommit);
                });
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        writer.start();
        assertTrue(inCommit.await(10, TimeUnit.SECONDS));
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        CountDownLatch readReturned = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try {
                barrier.awaitDurable(LONG);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
            readReturned.countDown();
        });
        reader.start();
        while (reader.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        reader.interrupt();
        assertFalse(readReturned.await(100, TimeUnit.MILLISECONDS), "an interrupt does not end the wait");
        finishCommit.countDown();
        assertTrue(readReturned.await(10, TimeUnit.SECONDS));
        assertTrue(interruptedAfter.get());
        writer.join(10_000);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
