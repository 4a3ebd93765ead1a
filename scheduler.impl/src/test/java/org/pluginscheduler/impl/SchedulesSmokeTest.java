package org.pluginscheduler.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;

class SchedulesSmokeTest {
    @Test
    void smoke() {
        ZoneId utc = ZoneId.of("UTC");
        System.out.println(Schedules.preview(Schedule.parse("cron:0 3 * * *"), utc, Instant.parse("2026-01-01T03:00:00Z"), 3));
        System.out.println(Schedules.preview(Schedule.parse("cron:0 0 13 * 5"), utc, Instant.parse("2026-01-01T00:00:00Z"), 6));
        System.out.println(Schedules.preview(Schedule.parse("cron:0 0 */2 * 1"), utc, Instant.parse("2026-01-01T00:00:00Z"), 6));
        System.out.println(Schedules.preview(Schedule.parse("cron:30 2 * * * tz=Europe/Berlin"), utc, Instant.parse("2026-03-28T00:00:00Z"), 3));
        System.out.println(Schedules.preview(Schedule.parse("cron:30 2 * * * tz=Europe/Berlin"), utc, Instant.parse("2026-10-24T00:00:00Z"), 3));
        System.out.println(Schedules.preview(Schedule.parse("cron:*/20 * * * * tz=Europe/Berlin"), utc, Instant.parse("2026-10-24T23:30:00Z"), 9));
        System.out.println(Schedules.preview(Schedule.parse("cron:*/20 * * * * tz=Europe/Berlin"), utc, Instant.parse("2026-03-29T00:30:00Z"), 6));
        System.out.println(Schedules.preview(Schedule.parse("rrule:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4 start=2026-01-01T09:00 tz=Europe/Paris"), utc, Instant.parse("2026-01-01T00:00:00Z"), 6));
        System.out.println(Schedules.preview(Schedule.parse("rrule:FREQ=DAILY start=2026-03-27T02:30 tz=Europe/Berlin"), utc, Instant.parse("2026-03-27T00:00:00Z"), 4));
        System.out.println(Schedules.describe(Schedule.parse("cron:0 3 * * *"), utc));
        System.out.println(Schedules.describe(Schedule.parse("every:PT1H30M delay=PT10S"), utc));
        assertEquals(List.of(), List.of());
    }
}
