package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.dmfs.rfc5545.DateTime;
import org.dmfs.rfc5545.recur.RecurrenceRule;
import org.dmfs.rfc5545.recur.RecurrenceRuleIterator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pluginscheduler.api.Schedule;

/**
 * An RRULE whose DTSTART lies far back starts iterating near the requested time (whole periods after DTSTART):
 * the fires must be exactly those of iterating from DTSTART, and the cost must not grow with the distance.
 */
class RRuleDistanceTest {

    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Instant NOW = Instant.parse("2027-01-15T10:17:23Z");

    /** The rule's occurrences after NOW by plain lib-recur iteration from DTSTART (UTC: floating = instants). */
    private static List<Instant> reference(String rule, LocalDateTime start, int count) throws Exception {
        // lib-recur wants a floating UNTIL with a floating start; in UTC the two are the same instants
        String floating = rule.replaceAll("(UNTIL=\\d{8}T\\d{6})Z", "$1");
        RecurrenceRuleIterator it = new RecurrenceRule(floating, RecurrenceRule.RfcMode.RFC5545_STRICT).iterator(
                new DateTime(start.getYear(), start.getMonthValue() - 1, start.getDayOfMonth(), start.getHour(),
                        start.getMinute(), start.getSecond()));
        List<Instant> fires = new ArrayList<>();
        while (it.hasNext() && fires.size() < count) {
            DateTime d = it.nextDateTime();
            Instant i = LocalDateTime.of(d.getYear(), d.getMonth() + 1, d.getDayOfMonth(), d.getHours(),
                    d.getMinutes(), d.getSeconds()).toInstant(ZoneOffset.UTC);
            if (i.isAfter(NOW)) {
                fires.add(i);
            }
        }
        return fires;
    }

    private static List<Instant> ours(String rule, LocalDateTime start, int count) {
        FireSequence sequence = Schedules.sequence(new Schedule.RRule(rule, start, Optional.of(UTC)), UTC, NOW);
        List<Instant> fires = new ArrayList<>();
        Optional<Instant> next = sequence.first(NOW);
        while (next.isPresent() && fires.size() < count) {
            fires.add(next.get());
            next = sequence.nextAfter(next.get());
        }
        return fires;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "FREQ=MINUTELY;INTERVAL=15",
            "FREQ=MINUTELY;INTERVAL=7;BYHOUR=9,10",
            "FREQ=HOURLY;INTERVAL=5",
            "FREQ=HOURLY;BYDAY=MO;BYHOUR=1,13",
            "FREQ=SECONDLY;INTERVAL=3601",
            "FREQ=DAILY",
            "FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=30",
            "FREQ=DAILY;BYMONTHDAY=1,15;BYHOUR=6",
            "FREQ=DAILY;BYHOUR=8,20;BYSETPOS=1",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR",
            "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,TU",
            "FREQ=WEEKLY;INTERVAL=2",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=MINUTELY;INTERVAL=10;COUNT=600000",
            "FREQ=HOURLY;INTERVAL=2;UNTIL=20270301T000000Z"})
    void firesFarFromDtstartAreThoseOfIteratingFromIt(String rule) throws Exception {
        for (Duration back : List.of(Duration.ofHours(30), Duration.ofDays(400).plusMinutes(17).plusSeconds(13),
                Duration.ofDays(3653).plusHours(5).plusSeconds(41))) {
            LocalDateTime start = LocalDateTime.ofInstant(NOW.minus(back), UTC);
            assertEquals(reference(rule, start, 40), ours(rule, start, 40), rule + " from " + start);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"FREQ=MINUTELY;INTERVAL=15", "FREQ=HOURLY", "FREQ=SECONDLY;INTERVAL=30"})
    void theFirstFireCostsTheSameOneDayOrTwentyYearsAfterDtstart(String rule) {
        LocalDateTime recent = LocalDateTime.ofInstant(NOW.minus(Duration.ofDays(1)), UTC);
        LocalDateTime old = LocalDateTime.ofInstant(NOW.minus(Duration.ofDays(7305)), UTC);
        for (int i = 0; i < 200; i++) { // warm up
            ours(rule, recent, 1);
            ours(rule, old, 1);
        }
        long recentNanos = time(() -> ours(rule, recent, 1));
        long oldNanos = time(() -> ours(rule, old, 1));
        // iterating 20 years of a 15-minute rule from DTSTART takes over 100x longer than one day
        assertTrue(oldNanos < recentNanos * 5 + 200_000, rule + ": " + oldNanos + " ns vs " + recentNanos + " ns");
    }

    private static long time(Runnable r) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 50; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
