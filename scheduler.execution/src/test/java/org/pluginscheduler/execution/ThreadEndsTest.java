package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ThreadEndsTest {

    @Test
    void theFirstEndInAMinuteIsLoggedInFullAndTheRestAreCountedIntoTheNextFullLine() {
        AtomicLong now = new AtomicLong(5);
        ThreadEnds ends = new ThreadEnds(now::get);
        assertEquals(0, ends.ended(), "the first: in full, nothing untold");
        int full = 0;
        for (int i = 0; i < 1_000; i++) { // a plugin ending a thread ten times a second for 100 s
            now.addAndGet(100_000_000L);
            int told = ends.ended();
            if (told >= 0) {
                full++;
                assertEquals(599, told, "the ends between two full lines a minute apart");
            }
        }
        assertEquals(1, full, "one more full line in the 100 s after the first");
        now.addAndGet(ThreadEnds.INTERVAL_NANOS);
        assertEquals(400, ends.ended(), "the next full line carries the rest");
    }
}
