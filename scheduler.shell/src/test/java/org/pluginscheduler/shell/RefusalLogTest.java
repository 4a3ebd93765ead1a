package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RefusalLogTest {

    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(5_000 * MS);
    private final List<String> lines = new ArrayList<>();
    private final RefusalLog log = new RefusalLog(lines::add, clock::get, 60_000 * MS);

    private void refuse(int times, long everyMs, String reason) {
        for (int i = 0; i < times; i++) {
            log.refused("loopback", "/127.0.0.1:4000" + i, reason);
            clock.addAndGet(everyMs * MS);
        }
    }

    @Test
    void aBurstIsOneLineAtItsStartAndOneSummaryWhenItEnds() {
        refuse(500, 10, "wrong token");
        assertEquals(List.of("Remote shell: refused a connection from /127.0.0.1:40000: wrong token (more of these "
                + "from loopback are counted and summarised)"), lines);
        clock.addAndGet(59_000 * MS);
        log.flush();
        assertEquals(1, lines.size(), "not quiet for a whole window yet, and no window of refusals either");
        clock.addAndGet(1_000 * MS);
        log.flush();
        assertEquals("Remote shell: refused 499 more connections from loopback (wrong token) within 5.0 s; the "
                + "burst has ended", lines.get(1));
        log.flush();
        log.close();
        assertEquals(2, lines.size());
        refuse(1, 0, "wrong token");
        assertEquals(3, lines.size(), "after the burst, the next refusal starts a new one");
    }

    @Test
    void aLongBurstIsSummarisedOncePerWindow() {
        refuse(3_000, 100, "wrong token"); // 300 s, one every 100 ms
        clock.addAndGet(60_000 * MS);
        log.flush();
        // the start, one per window of refusals (at 60.1, 120.2, 180.3 and 240.4 s), the end: at most 2 + 300/60
        assertEquals(1 + 4 + 1, lines.size(), lines.toString());
        assertEquals("Remote shell: refused 600 more connections from loopback (wrong token) within 60.0 s; still "
                + "going on", lines.get(1));
        long counted = lines.stream().skip(1)
                .mapToLong(l -> Long.parseLong(l.replaceAll("Remote shell: refused (\\d+) more.*", "$1"))).sum();
        assertEquals(2_999, counted, "every refusal is counted once");
    }

    @Test
    void reasonsAreCountedApartAndCloseSummarisesWhatIsStillCounting() {
        refuse(3, 1, "wrong token");
        refuse(2, 1, "no AUTH line");
        refuse(1, 1, "sent nothing for 2000 ms (read.timeout.ms) before authenticating");
        assertEquals(3, lines.size());
        log.close();
        assertEquals(List.of("Remote shell: refused 2 more connections from loopback (wrong token) within 0.0 s; the "
                + "listener closed", "Remote shell: refused 1 more connection from loopback (no AUTH line) within "
                + "0.0 s; the listener closed"), lines.subList(3, 5));
    }

    @Test
    void beyondTheSourceLimitFurtherSourcesShareOneEntry() {
        for (int i = 0; i < RefusalLog.MAX_SOURCES; i++) {
            log.refused("10.0.0." + i, "/10.0.0." + i + ":1", "wrong token");
        }
        log.refused("192.0.2.1", "/192.0.2.1:1", "wrong token");
        log.refused("192.0.2.2", "/192.0.2.2:1", "wrong token");
        assertEquals(RefusalLog.MAX_SOURCES + 1, lines.size());
        log.close();
        assertEquals("Remote shell: refused 1 more connection from other addresses (wrong token) within 0.0 s; the "
                + "listener closed", lines.get(lines.size() - 1));
    }
}
