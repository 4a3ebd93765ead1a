package org.pluginscheduler.store.h2;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps reads from returning a commit before it is durable ("nothing is seen before it is durable").
 *
 * <p>Why it is needed: H2 (MVStore) makes a commit visible to other sessions <em>before</em> it writes it to the
 * file. In H2 2.4.240, {@code Transaction.commit()} calls {@code TransactionStore.commit}, which sets the
 * transaction's bit in {@code committingTransactions}: from then on every other session's statement snapshot
 * ({@code Transaction.markStatementStart}, {@code TransactionMap.getFromSnapshot}) reads the transaction's values as
 * committed. Only afterwards, in {@code TransactionStore.endTransaction}, does {@code MVStore.commit()} serialize the
 * changed pages and write them to the file ({@code FileStore.storeIt}, {@code serializeAndStore},
 * {@code storeBuffer}; on the committing thread when {@code WRITE_DELAY} is 0). A reader on another connection can
 * therefore return a row that a {@code kill -9} during that window takes away.
 *
 * <p>How it works: the writer numbers its commits. It calls {@link #begin} before {@code Connection.commit()} (so
 * before H2 can make anything visible) and {@link #settle} once the commit has returned, i.e. is durable. A reader
 * runs its query, then calls {@link #awaitDurable}: that reads how many commits have begun <em>after</em> the query
 * returned and waits until all of them have settled. Any change the query saw belongs to a commit that had begun by
 * then (H2 publishes it through atomic references after {@link #begin}'s increment, so the read of the counter sees
 * that increment), hence is durable when the wait ends. Writers never wait for readers; a reader waits at most for
 * the one commit under way (the store has a single writer), and not at all while the writer is idle.
 *
 * <p>A failed commit (the file could not be written or synced) settles as not durable, and a read that may have
 * seen it gets {@link NotDurableException} instead of returning, unless a later commit has succeeded by then: a
 * successful commit stores everything visible before it began, a failed one's leftovers included (with
 * {@code WRITE_DELAY} 0, a commit that fails to store makes H2 close the database, so nothing unstored stays
 * visible; with {@code sync.to.disk}, the next {@code CHECKPOINT SYNC} forces the whole file). The store reacts by
 * storing what is visible and reading again ({@link H2TaskStore}).
 */
final class CommitBarrier {

    /** What a commit does; see {@link GroupCommitWriter.Durability}. */
    interface Commit {
        void commit() throws SQLException;
    }

    /** A read may have seen a commit that failed, so it cannot be shown as durable. */
    static final class NotDurableException extends Exception {
        private static final long serialVersionUID = 1L;

        NotDurableException(String message) {
            super(message);
        }
    }

    private final AtomicLong begun = new AtomicLong();
    private final Object lock = new Object();
    private volatile long settled; // written under lock
    private volatile long durable; // written under lock: every commit up to this one, and what it saw, is durable
    private int waiting; // guarded by lock
    private final AtomicLong waits = new AtomicLong();
    private final AtomicLong waitedNanos = new AtomicLong();

    /**
     * Runs one commit between {@link #begin} and {@link #settle}: durable if {@code commit} returns normally.
     */
    void commit(Commit commit) throws SQLException {
        long number = begin();
        boolean ok = false;
        try {
            commit.commit();
            ok = true;
        } finally {
            settle(number, ok);
        }
    }

    /** @return the number of the commit about to begin; call it before anything of the commit can be visible */
    long begin() {
        return begun.incrementAndGet();
    }

    /** Records the outcome of commit {@code number} (commits settle in the order they began). */
    void settle(long number, boolean isDurable) {
        synchronized (lock) {
            settled = number;
            if (isDurable) {
                durable = number;
            }
            if (waiting > 0) {
                lock.notifyAll();
            }
        }
    }

    /**
     * Waits until every commit begun so far has settled. Call it after a read has returned its rows and before
     * handing them out. Returns at once when no commit is under way. An interrupt does not end the wait (the commit
     * takes milliseconds); the interrupt status is restored on return.
     *
     * @throws NotDurableException if a commit the read may have seen failed and no later one has succeeded yet
     * @throws TimeoutException     if the commit under way did not settle within {@code timeout}
     */
    void awaitDurable(Duration timeout) throws NotDurableException, TimeoutException {
        long mustSettle = begun.get();
        if (durable >= mustSettle) {
            return;
        }
        boolean interrupted = false;
        long start = System.nanoTime();
        try {
            synchronized (lock) {
                waiting++;
                try {
                    long deadline = System.nanoTime() + timeout.toNanos();
                    while (settled < mustSettle) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new TimeoutException("commit " + mustSettle
                                    + " did not finish within " + timeout.toSeconds() + " s");
                        }
                        try {
                            TimeUnit.NANOSECONDS.timedWait(lock, left);
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                } finally {
                    waiting--;
                }
                if (durable < mustSettle) {
                    throw new NotDurableException("commit " + mustSettle + ", under way while the read ran, failed");
                }
            }
        } finally {
            waits.incrementAndGet();
            waitedNanos.addAndGet(System.nanoTime() - start);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return how many reads had to wait for a commit under way */
    long waits() {
        return waits.get();
    }

    /** @return how long reads waited for commits under way, in total */
    long waitedNanos() {
        return waitedNanos.get();
    }

    /** @return how many commits have begun */
    long begun() {
        return begun.get();
    }

    /** @return the last commit known durable (with everything visible before it) */
    long durable() {
        return durable;
    }
}
