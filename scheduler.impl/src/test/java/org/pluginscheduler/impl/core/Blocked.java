package org.pluginscheduler.impl.core;

import java.util.concurrent.TimeUnit;

/** For tests that hold a thread on purpose (a latch, a full queue): waits until it is really waiting there. */
final class Blocked {

    private Blocked() {
    }

    /** Waits up to 10 s until {@code thread} is waiting (or has ended). @return its state then */
    static Thread.State await(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.isAlive() && System.nanoTime() < deadline) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                return state;
            }
            Thread.yield();
        }
        return thread.getState();
    }
}
