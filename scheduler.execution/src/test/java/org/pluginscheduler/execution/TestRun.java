package org.pluginscheduler.execution;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.execution.ExecutableRun;

/**
 * A run that counts every call it gets and, like the core, interrupts its thread on {@code timedOut} and
 * {@code cancel}. Its body decides how it behaves; bodies that block wait for {@link #release}.
 */
final class TestRun implements ExecutableRun {

    /** What {@code run()} does. */
    @FunctionalInterface
    interface Body {
        void run(TestRun self) throws Exception;
    }

    /** Returns at once. */
    static final Body QUICK = self -> { };

    /** Waits for {@link #release}; an interrupt ends it early (a well-behaved task). */
    static final Body BLOCKS = self -> self.release.await();

    /** Waits for {@link #release} whatever happens: it ignores interruption (a stuck task). */
    static final Body IGNORES_INTERRUPTS = self -> {
        boolean interrupted = false;
        while (true) {
            try {
                self.release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt(); // left set: the executor must clear it
        }
    };

    private final String id;
    private final String owner;
    private final Priority priority;
    private final Optional<Duration> timeout;
    private final Body body;
    private final BooleanSupplier lockHeld;

    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger rejections = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();
    final AtomicInteger stucks = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    /** Callbacks that came while the executor held its lock, or {@code stuck} before {@code timedOut}. */
    final AtomicInteger violations = new AtomicInteger();

    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch returned = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch rejectedLatch = new CountDownLatch(1);
    final CountDownLatch timedOutLatch = new CountDownLatch(1);
    final CountDownLatch stuckLatch = new CountDownLatch(1);
    final CountDownLatch cancelledLatch = new CountDownLatch(1);

    volatile Thread thread;
    volatile boolean interruptedOnEntry;
    volatile String rejectedReason;
    volatile String cancelReason;
    volatile Duration timedOutAfter;
    volatile String stuckThread;
    volatile boolean replaced;

    /** A run of its own owner ({@code owner-<id>}): no share is ever shared with another run. */
    TestRun(String id, Priority priority, Optional<Duration> timeout, Body body, BooleanSupplier lockHeld) {
        this(id, "owner-" + id, priority, timeout, body, lockHeld);
    }

    /** A run of {@code owner}, which it counts against. */
    TestRun(String id, String owner, Priority priority, Optional<Duration> timeout, Body body,
            BooleanSupplier lockHeld) {
        this.id = id;
        this.owner = owner;
        this.priority = priority;
        this.timeout = timeout;
        this.body = body;
        this.lockHeld = lockHeld;
    }

    @Override
    public TaskId taskId() {
        return TaskId.of(owner, "task");
    }

    @Override
    public String runId() {
        return id;
    }

    @Override
    public Priority priority() {
        return priority;
    }

    @Override
    public Optional<Duration> timeout() {
        return timeout;
    }

    @Override
    public void run() {
        runs.incrementAndGet();
        thread = Thread.currentThread();
        interruptedOnEntry = Thread.currentThread().isInterrupted();
        entered.countDown();
        try {
            body.run(this);
        } catch (InterruptedException e) {
            // a well-behaved task ends when interrupted
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            returned.countDown();
        }
    }

    @Override
    public void rejected(String reason) {
        check();
        rejectedReason = reason;
        rejections.incrementAndGet();
        rejectedLatch.countDown();
    }

    @Override
    public void timedOut(Duration timeout) {
        check();
        timedOutAfter = timeout;
        timeouts.incrementAndGet();
        interrupt();
        timedOutLatch.countDown();
    }

    @Override
    public void stuck(String thread, boolean replaced) {
        check();
        if (timeouts.get() != 1) {
            violations.incrementAndGet();
        }
        stuckThread = thread;
        this.replaced = replaced;
        stucks.incrementAndGet();
        stuckLatch.countDown();
    }

    @Override
    public void cancel(String reason) {
        check();
        cancelReason = reason;
        cancels.incrementAndGet();
        interrupt();
        cancelledLatch.countDown();
    }

    /** @return how many of run and rejected it got: 1 for every accepted run */
    int outcomes() {
        return runs.get() + rejections.get();
    }

    private void interrupt() {
        Thread t = thread;
        if (t != null && returned.getCount() > 0) { // like the core: only a thread still in this run
            t.interrupt();
        }
    }

    private void check() {
        if (lockHeld.getAsBoolean()) {
            violations.incrementAndGet();
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
