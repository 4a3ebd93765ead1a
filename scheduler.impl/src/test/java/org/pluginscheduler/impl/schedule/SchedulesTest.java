package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * Next-fire computation of {@link Schedules} for cron, intervals, one-shots and the RRULE iterator, plus
 * {@link Schedules#describe}. Every test uses fixed instants; nothing reads the wall clock. DST behaviour is in
 * {@link DstTest}, the RFC 5545 examples in {@link RRuleExamplesTest}.
 */
class SchedulesTest {

    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** Fires of a cron expression evaluated in UTC. */
    private static List<ZonedDateTime> cron(String expression, String from, int count) {
        return Schedules.preview(Schedule.cron(expression), UTC, t(from), count);
    }

    /** ISO offset date-times (such as {@code 2026-01-02T09:00Z}) as date-times in {@code zone}. */
    private static List<ZonedDateTime> at(ZoneId zone, String... offsetDateTimes) {
        return Arrays.stream(offsetDateTimes).map(s -> OffsetDateTime.parse(s).atZoneSameInstant(zone)).toList();
    }

    private static List<ZonedDateTime> utc(String... offsetDateTimes) {
        return at(UTC, offsetDateTimes);
    }

    /** An instant from ISO text with an offset; seconds may be left out ({@code 2026-01-01T00:00Z}). */
    private static Instant t(String instant) {
        return OffsetDateTime.parse(instant).toInstant();
    }

    @Nested
    class CronNextFire {

        /** An RRULE without start= begins at 2001-01-01T00:00 in its zone: Monday midnight, 25 years back. */
        @Test
        void aRuleWithoutStartFiresFromTheDefaultStart() {
            assertEquals(utc("2026-01-05T00:00Z", "2026-01-12T00:00Z"), Schedules.preview(
                    Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO"), UTC, t("2026-01-01T00:00Z"), 2));
            assertEquals(at(ZoneId.of("Europe/Paris"), "2026-01-05T00:00+01:00"), Schedules.preview(
                    Schedule.parse("rrule:FREQ=WEEKLY tz=Europe/Paris"), UTC, t("2026-01-01T00:00Z"), 1));
            // every 7 minutes counted from 2001-01-01T00:00: the same phase after every restart
            List<ZonedDateTime> sevens = Schedules.preview(Schedule.parse("rrule:FREQ=MINUTELY;INTERVAL=7"), UTC,
                    t("2026-01-01T00:00Z"), 3);
            long minutes = Duration.between(t("2001-01-01T00:00Z"), sevens.get(0).toInstant()).toMinutes();
            assertEquals(0, minutes % 7, sevens.toString());
            assertEquals(Duration.ofMinutes(7), Duration.between(sevens.get(0), sevens.get(1)));
        }

        /** 2026-01-04 is a Sunday. cron-utils reads SUN as 7 and used to reject these ranges at registration. */
        @Test
        void dayOfWeekRangesStartingWithSundayAreAcceptedAndMeanFromSunday() {
            assertEquals(utc("2026-01-04T09:00Z", "2026-01-05T09:00Z", "2026-01-06T09:00Z", "2026-01-07T09:00Z",
                    "2026-01-08T09:00Z", "2026-01-09T09:00Z", "2026-01-10T09:00Z", "2026-01-11T09:00Z"),
                    cron("0 9 * * SUN-SAT", "2026-01-04T00:00Z", 8));
            assertEquals(utc("2026-01-04T09:00Z", "2026-01-05T09:00Z", "2026-01-06T09:00Z", "2026-01-07T09:00Z",
                    "2026-01-11T09:00Z"), cron("0 9 * * SUN-WED", "2026-01-04T00:00Z", 5));
            assertEquals(cron("0 9 * * 0-6", "2026-01-04T00:00Z", 8), cron("0 9 * * SUN-7", "2026-01-04T00:00Z", 8));
        }

        @Test
        void everyMinuteFromASubMinuteInstant() {
            assertEquals(utc("2026-01-01T10:16Z", "2026-01-01T10:17Z", "2026-01-01T10:18Z"),
                    cron("* * * * *", "2026-01-01T10:15:30.5Z", 3));
        }

        @Test
        void fromOneNanosecondBeforeAFireReturnsThatFire() {
            assertEquals(utc("2026-01-01T10:16Z"), cron("* * * * *", "2026-01-01T10:15:59.999999999Z", 1));
        }

        @Test
        void minuteStep() {
            assertEquals(utc("2026-01-01T10:15Z", "2026-01-01T10:30Z", "2026-01-01T10:45Z", "2026-01-01T11:00Z"),
                    cron("*/15 * * * *", "2026-01-01T10:07Z", 4));
        }

        @Test
        void rangeWithStep() {
            assertEquals(utc("2026-01-01T08:10Z", "2026-01-01T08:20Z", "2026-01-01T08:30Z", "2026-01-01T08:40Z",
                    "2026-01-02T08:10Z"), cron("10-40/10 8 * * *", "2026-01-01T00:00Z", 5));
        }

        /**
         * A step as large as the field's size parses (as in Vixie cron) and selects the range's first value; it
         * used to fail when first computed or previewed, with cron-utils' "Period 60 not in range [0, 59]".
         */
        @Test
        void aStepAsLargeAsTheFieldSelectsItsFirstValueAndPreviewsAndDescribes() {
            assertEquals(utc("2026-01-01T11:00Z", "2026-01-01T12:00Z"), cron("*/60 * * * *", "2026-01-01T10:07Z", 2));
            assertEquals(utc("2026-01-02T00:00Z", "2026-01-03T00:00Z"), cron("0 */24 * * *", "2026-01-01T10:07Z", 2));
            assertEquals(utc("2026-01-01T10:10Z", "2026-01-01T11:10Z"), cron("10-20/30 * * * *", "2026-01-01T10:07Z",
                    2));
            assertEquals(utc("2026-01-04T00:00Z", "2026-01-11T00:00Z"), cron("0 0 * * */7", "2026-01-01T10:07Z", 2));
            for (String expression : List.of("*/60 * * * *", "0 */24 * * *", "0 0 */31 * *", "0 0 1 */12 *",
                    "0 0 * * */7", "5,*/60 * * * *")) {
                String described = Schedules.describe(Schedule.parse("cron:" + expression), ZoneOffset.UTC);
                assertTrue(described.endsWith("(Z)"), expression + ": " + described);
            }
            assertEquals("0 0 * * *", Schedules.forCronUtils("0 */24 * * *"));
            assertEquals("5,0 * * * *", Schedules.forCronUtils("5,*/60 * * * *"));
            assertEquals("*/30 10-20/5 * * *", Schedules.forCronUtils("*/30 10-20/5 * * *"), "other steps stay");
            // a day field starting with * keeps it: it decides how the two day fields combine (Vixie)
            assertEquals("0 0 1-7 * */7", Schedules.forCronUtils("0 0 1-7 * */8"));
            assertEquals("0 0 */31 * 1", Schedules.forCronUtils("0 0 */31 * MON"), "what cron-utils accepts stays");
            // names are numbers first, so a named range with a large step is caught too
            assertEquals("0 9 * * 1", Schedules.forCronUtils("0 9 * * MON-FRI/8"));
            assertEquals(utc("2026-01-05T09:00Z", "2026-01-12T09:00Z"), cron("0 9 * * MON-FRI/8", "2026-01-01T00:00Z",
                    2));
            for (String expression : List.of("0 9 * * MON-FRI/8", "0 9 * * SUN-SAT", "0 0 1-7 * */8")) {
                String described = Schedules.describe(Schedule.parse("cron:" + expression), ZoneOffset.UTC);
                assertTrue(described.endsWith("(Z)"), expression + ": " + described);
            }
        }

        @Test
        void hourStep() {
            assertEquals(utc("2026-01-01T18:00Z", "2026-01-01T21:00Z", "2026-01-02T00:00Z", "2026-01-02T03:00Z"),
                    cron("0 */3 * * *", "2026-01-01T17:00Z", 4));
        }

        @Test
        void businessHoursRangesAndWeekdayNames() {
            // 2026-01-02 is a Friday, 2026-01-05 the next Monday
            assertEquals(utc("2026-01-02T17:00Z", "2026-01-02T17:15Z", "2026-01-02T17:30Z", "2026-01-02T17:45Z",
                    "2026-01-05T09:00Z", "2026-01-05T09:15Z"), cron("*/15 9-17 * * MON-FRI", "2026-01-02T16:50Z", 6));
        }

        @Test
        void lists() {
            assertEquals(utc("2026-01-01T08:00Z", "2026-01-01T08:30Z", "2026-01-01T20:00Z", "2026-01-01T20:30Z",
                    "2026-01-02T08:00Z"), cron("0,30 8,20 * * *", "2026-01-01T00:00Z", 5));
        }

        @Test
        void monthAndDayNamesInAnyCase() {
            List<ZonedDateTime> expected = utc("2026-01-04T12:00Z", "2026-01-11T12:00Z", "2026-01-18T12:00Z",
                    "2026-01-25T12:00Z", "2026-07-05T12:00Z", "2026-07-12T12:00Z", "2026-07-19T12:00Z",
                    "2026-07-26T12:00Z", "2027-01-03T12:00Z");
            assertEquals(expected, cron("0 12 * JAN,JUL SUN", "2026-01-01T00:00Z", 9));
            assertEquals(expected, cron("0 12 * jan,jul sun", "2026-01-01T00:00Z", 9));
            assertEquals(expected, cron("0 12 * 1,7 0", "2026-01-01T00:00Z", 9));
        }

        @Test
        void monthRangeByName() {
            assertEquals(utc("2026-03-01T00:00Z", "2026-04-01T00:00Z", "2026-05-01T00:00Z", "2027-03-01T00:00Z"),
                    cron("0 0 1 MAR-MAY *", "2026-01-01T00:00Z", 4));
        }

        @Test
        void bothDayFieldsRestrictedMeansEither() {
            // every 13th and every Friday; Feb 13 and Mar 13 2026 are both: once each
            assertEquals(utc("2026-01-02T00:00Z", "2026-01-09T00:00Z", "2026-01-13T00:00Z", "2026-01-16T00:00Z",
                    "2026-01-23T00:00Z", "2026-01-30T00:00Z", "2026-02-06T00:00Z", "2026-02-13T00:00Z",
                    "2026-02-20T00:00Z", "2026-02-27T00:00Z", "2026-03-06T00:00Z", "2026-03-13T00:00Z",
                    "2026-03-20T00:00Z"), cron("0 0 13 * 5", "2026-01-01T00:00Z", 13));
        }

        @Test
        void bothDayFieldsRestrictedWithListsAndNames() {
            // the 1st and 15th, and every Monday (2026-01-05, -12, -19, -26, 02-02)
            assertEquals(utc("2026-01-01T06:30Z", "2026-01-05T06:30Z", "2026-01-12T06:30Z", "2026-01-15T06:30Z",
                    "2026-01-19T06:30Z", "2026-01-26T06:30Z", "2026-02-01T06:30Z", "2026-02-02T06:30Z"),
                    cron("30 6 1,15 * MON", "2025-12-31T12:00Z", 8));
        }

        @Test
        void dayOfMonthStepStartingWithStarIsAndedWithDayOfWeek() {
            // odd days of the month that are Mondays
            assertEquals(utc("2026-01-05T00:00Z", "2026-01-19T00:00Z", "2026-02-09T00:00Z", "2026-02-23T00:00Z",
                    "2026-03-09T00:00Z", "2026-03-23T00:00Z", "2026-04-13T00:00Z", "2026-04-27T00:00Z"),
                    cron("0 0 */2 * 1", "2026-01-01T00:00Z", 8));
        }

        @Test
        void dayOfWeekStepStartingWithStarIsAndedWithDayOfMonth() {
            // the 1st of the month when it is a Sunday, Tuesday, Thursday or Saturday
            assertEquals(utc("2026-01-01T00:00Z", "2026-02-01T00:00Z", "2026-03-01T00:00Z", "2026-08-01T00:00Z",
                    "2026-09-01T00:00Z", "2026-10-01T00:00Z", "2026-11-01T00:00Z", "2026-12-01T00:00Z"),
                    cron("0 0 1 * */2", "2025-12-31T00:00Z", 8));
        }

        @Test
        void bothDayFieldsStartingWithStarAreAnded() {
            // days 1, 11, 21, 31 that are a Sunday, Wednesday or Saturday
            assertEquals(utc("2026-01-11T00:00Z", "2026-01-21T00:00Z", "2026-01-31T00:00Z", "2026-02-01T00:00Z",
                    "2026-02-11T00:00Z", "2026-02-21T00:00Z", "2026-03-01T00:00Z", "2026-03-11T00:00Z",
                    "2026-03-21T00:00Z"), cron("0 0 */10 * */3", "2026-01-01T00:00Z", 9));
        }

        @Test
        void onlyDayOfWeekRestricted() {
            assertEquals(utc("2026-01-05T07:00Z", "2026-01-12T07:00Z", "2026-01-19T07:00Z"),
                    cron("0 7 * * 1", "2026-01-01T00:00Z", 3));
        }

        @ParameterizedTest
        @ValueSource(strings = {"0 9 * * 0", "0 9 * * 7", "0 9 * * SUN", "0 9 * * sun"})
        void sundayIsZeroOrSeven(String expression) {
            assertEquals(utc("2026-01-04T09:00Z", "2026-01-11T09:00Z", "2026-01-18T09:00Z"),
                    cron(expression, "2026-01-01T00:00Z", 3));
        }

        @Test
        void dayOfWeekRangeEndingInSeven() {
            // Friday to Sunday
            assertEquals(utc("2026-01-02T09:00Z", "2026-01-03T09:00Z", "2026-01-04T09:00Z", "2026-01-09T09:00Z"),
                    cron("0 9 * * 5-7", "2026-01-01T00:00Z", 4));
        }

        @Test
        void sevenInAnOrWithTheDayOfMonth() {
            // the 2nd and every Sunday
            assertEquals(utc("2026-01-02T09:00Z", "2026-01-04T09:00Z", "2026-01-11T09:00Z"),
                    cron("0 9 2 * 7", "2026-01-01T00:00Z", 3));
        }

        @Test
        void the31stSkipsShorterMonths() {
            assertEquals(utc("2026-01-31T00:00Z", "2026-03-31T00:00Z", "2026-05-31T00:00Z", "2026-07-31T00:00Z",
                    "2026-08-31T00:00Z", "2026-10-31T00:00Z", "2026-12-31T00:00Z", "2027-01-31T00:00Z"),
                    cron("0 0 31 * *", "2026-01-01T00:00Z", 8));
        }

        @Test
        void the30thSkipsFebruary() {
            assertEquals(utc("2026-01-30T00:00Z", "2026-03-30T00:00Z", "2026-04-30T00:00Z"),
                    cron("0 0 30 * *", "2026-01-01T00:00Z", 3));
            assertEquals(utc("2027-01-30T00:00Z", "2027-03-30T00:00Z"), cron("0 0 30 * *", "2027-01-01T00:00Z", 2));
        }

        @Test
        void the29thSkipsFebruaryOfACommonYearOnly() {
            assertEquals(utc("2026-01-29T00:00Z", "2026-03-29T00:00Z"), cron("0 0 29 * *", "2026-01-01T00:00Z", 2));
            assertEquals(utc("2028-01-29T00:00Z", "2028-02-29T00:00Z", "2028-03-29T00:00Z"),
                    cron("0 0 29 * *", "2028-01-01T00:00Z", 3));
        }

        @Test
        void leapDayWaitsForTheNextLeapYear() {
            assertEquals(utc("2028-02-29T00:00Z", "2032-02-29T00:00Z", "2036-02-29T00:00Z"),
                    cron("0 0 29 2 *", "2024-02-29T00:00Z", 3));
            assertEquals(utc("2024-02-29T00:00Z"), cron("0 0 29 2 *", "2023-03-01T00:00Z", 1));
        }

        @Test
        void lastDayOfFebruaryInAList() {
            assertEquals(utc("2026-02-28T00:00Z", "2027-02-28T00:00Z", "2028-02-28T00:00Z", "2028-02-29T00:00Z"),
                    cron("0 0 28,29 2 *", "2026-01-01T00:00Z", 4));
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                @yearly   | 2026-06-15T10:00Z | 2027-01-01T00:00Z, 2028-01-01T00:00Z
                @annually | 2026-06-15T10:00Z | 2027-01-01T00:00Z, 2028-01-01T00:00Z
                @monthly  | 2026-01-31T12:00Z | 2026-02-01T00:00Z, 2026-03-01T00:00Z
                @weekly   | 2026-01-01T00:00Z | 2026-01-04T00:00Z, 2026-01-11T00:00Z
                @daily    | 2026-01-01T00:00Z | 2026-01-02T00:00Z, 2026-01-03T00:00Z
                @midnight | 2026-01-01T23:59Z | 2026-01-02T00:00Z, 2026-01-03T00:00Z
                @hourly   | 2026-01-01T10:30Z | 2026-01-01T11:00Z, 2026-01-01T12:00Z
                """)
        void macros(String macro, String from, String expected) {
            assertEquals(utc(expected.split(",\\s*")), cron(macro, from, 2));
        }

        @Test
        void nextAfterIsStrictlyAfter() {
            FireSequence daily = Schedules.sequence(Schedule.cron("0 3 * * *"), UTC, t("2026-01-01T00:00:00Z"));
            assertEquals(Optional.of(t("2026-01-02T03:00:00Z")), daily.nextAfter(t("2026-01-01T03:00:00Z")));
            assertEquals(Optional.of(t("2026-01-02T03:00:00Z")), daily.nextAfter(t("2026-01-01T03:00:00.000000001Z")));
            assertEquals(Optional.of(t("2026-01-01T03:00:00Z")), daily.nextAfter(t("2026-01-01T02:59:59.999999999Z")));
            assertEquals(Optional.of(t("2026-01-01T03:00:00Z")), daily.first(t("2026-01-01T02:59:59Z")));
            assertEquals(Optional.of(t("2026-01-02T03:00:00Z")), daily.first(t("2026-01-01T03:00:00Z")));
            assertEquals(utc("2026-01-02T03:00Z"), cron("0 3 * * *", "2026-01-01T03:00:00Z", 1));
        }

        @Test
        void nextAfterWithSecondsAndFractionsInsideTheMatchingMinute() {
            FireSequence s = Schedules.sequence(Schedule.cron("30 10 * * *"), UTC, t("2026-01-01T00:00:00Z"));
            assertEquals(Optional.of(t("2026-01-02T10:30:00Z")), s.nextAfter(t("2026-01-01T10:30:00.001Z")));
            assertEquals(Optional.of(t("2026-01-02T10:30:00Z")), s.nextAfter(t("2026-01-01T10:30:59.999Z")));
            assertEquals(Optional.of(t("2026-01-01T10:30:00Z")), s.nextAfter(t("2026-01-01T10:29:59.5Z")));
        }

        @Test
        void chainedNextAfterEqualsPreview() {
            Schedule schedule = Schedule.cron("*/20 9-10 * * MON-FRI");
            Instant from = t("2026-01-02T09:50:00Z");
            List<ZonedDateTime> preview = Schedules.preview(schedule, UTC, from, 8);
            FireSequence sequence = Schedules.sequence(schedule, UTC, from);
            List<ZonedDateTime> chained = new ArrayList<>();
            Optional<Instant> next = sequence.first(from);
            for (int i = 0; i < 8; i++) {
                chained.add(next.orElseThrow().atZone(UTC));
                next = sequence.nextAfter(next.get());
            }
            assertEquals(preview, chained);
            assertEquals(utc("2026-01-02T10:00Z", "2026-01-02T10:20Z", "2026-01-02T10:40Z", "2026-01-05T09:00Z",
                    "2026-01-05T09:20Z", "2026-01-05T09:40Z", "2026-01-05T10:00Z", "2026-01-05T10:20Z"), preview);
        }

        @Test
        void previewIsInTheSchedulesZoneOrTheDefault() {
            ZoneId tokyo = ZoneId.of("Asia/Tokyo");
            Instant from = t("2026-01-01T00:00:00Z"); // 09:00 in Tokyo
            List<ZonedDateTime> expected = at(tokyo, "2026-01-02T03:00+09:00", "2026-01-03T03:00+09:00");
            assertEquals(expected, Schedules.preview(Schedule.parse("cron:0 3 * * * tz=Asia/Tokyo"), UTC, from, 2));
            assertEquals(expected, Schedules.preview(Schedule.cron("0 3 * * *"), tokyo, from, 2));
            assertEquals(tokyo, Schedules.preview(Schedule.cron("0 3 * * *"), tokyo, from, 1).get(0).getZone());
        }

        @Test
        void wallClockInAZoneOutsideDstTransitions() {
            // Berlin is UTC+1 in January
            assertEquals(at(BERLIN, "2026-01-05T09:00+01:00", "2026-01-06T09:00+01:00"),
                    Schedules.preview(Schedule.cron("0 9 * * MON-FRI"), BERLIN, t("2026-01-03T00:00:00Z"), 2));
            // and UTC+2 in July
            assertEquals(at(BERLIN, "2026-07-06T09:00+02:00"),
                    Schedules.preview(Schedule.cron("0 9 * * MON-FRI"), BERLIN, t("2026-07-04T00:00:00Z"), 1));
        }

        @Test
        void previewOfZeroFiresIsEmpty() {
            assertEquals(List.of(), cron("* * * * *", "2026-01-01T00:00Z", 0));
        }
    }

    @Nested
    class Intervals {

        private final Instant registration = t("2026-05-01T12:00:00Z");

        @Test
        void firstIsRegistrationPlusDelay() {
            FireSequence s = Schedules.sequence(Schedule.every(Duration.ofMinutes(5), Duration.ofMinutes(10)), UTC,
                    registration);
            assertEquals(Optional.of(t("2026-05-01T12:10:00Z")), s.first(registration));
        }

        @Test
        void firstWithoutDelayIsRegistration() {
            FireSequence s = Schedules.sequence(Schedule.every(Duration.ofMinutes(5)), UTC, registration);
            assertEquals(Optional.of(registration), s.first(registration));
        }

        @Test
        void fixedRateFromTheAnchor() {
            Duration period = Duration.ofMinutes(7);
            Instant anchor = registration.plus(Duration.ofSeconds(30));
            FireSequence s = Schedules.sequence(Schedule.every(period, Duration.ofSeconds(30)), UTC, registration);
            assertEquals(Optional.of(anchor.plus(period.multipliedBy(4))),
                    s.nextAfter(anchor.plus(period.multipliedBy(3)).plusMillis(1)));
            assertEquals(Optional.of(anchor.plus(period.multipliedBy(4))),
                    s.nextAfter(anchor.plus(period.multipliedBy(3)))); // strictly after
            assertEquals(Optional.of(anchor.plus(period.multipliedBy(3))),
                    s.nextAfter(anchor.plus(period.multipliedBy(3)).minusNanos(1)));
            assertEquals(Optional.of(anchor.plus(period)), s.nextAfter(anchor));
            assertEquals(Optional.of(anchor), s.nextAfter(anchor.minusSeconds(1)));
            assertEquals(Optional.of(anchor), s.nextAfter(registration));
        }

        @Test
        void lateCallersDoNotShiftTheRate() {
            // a run that took 2.5 periods: the next fire is still on the grid
            Duration period = Duration.ofSeconds(10);
            FireSequence s = Schedules.sequence(Schedule.every(period), UTC, registration);
            assertEquals(Optional.of(registration.plusSeconds(30)), s.nextAfter(registration.plusSeconds(25)));
        }

        @Test
        void halfSecondPeriod() {
            assertEquals(utc("2026-05-01T12:00:00Z", "2026-05-01T12:00:00.5Z", "2026-05-01T12:00:01Z",
                    "2026-05-01T12:00:01.5Z", "2026-05-01T12:00:02Z"),
                    Schedules.preview(Schedule.parse("every:PT0.5S"), UTC, registration, 5));
            FireSequence s = Schedules.sequence(Schedule.every(Duration.ofMillis(500)), UTC, registration);
            assertEquals(Optional.of(registration.plusMillis(1500)), s.nextAfter(registration.plusMillis(1001)));
        }

        @Test
        void oneMillisecondPeriodFarFromTheAnchor() {
            FireSequence s = Schedules.sequence(Schedule.every(Duration.ofMillis(1)), UTC, registration);
            Instant tenYearsLater = registration.plus(Duration.ofDays(3653));
            assertEquals(Optional.of(tenYearsLater.plusMillis(1)), s.nextAfter(tenYearsLater));
            assertEquals(Optional.of(tenYearsLater.plusMillis(1)), s.nextAfter(tenYearsLater.plusNanos(1)));
        }

        @Test
        void previewStartsAfterTheDelay() {
            assertEquals(utc("2026-05-01T12:10Z", "2026-05-01T13:10Z", "2026-05-01T14:10Z"),
                    Schedules.preview(Schedule.parse("every:PT1H delay=PT10M"), UTC, registration, 3));
        }

        @Test
        void intervalsIgnoreDst() {
            // Berlin springs forward at 01:00Z on 2026-03-29: hourly stays hourly in elapsed time
            Instant before = t("2026-03-29T00:00:00Z");
            assertEquals(at(BERLIN, "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00"),
                    Schedules.preview(Schedule.every(Duration.ofHours(1)), BERLIN, before, 3));
        }
    }

    @Nested
    class OneShots {

        private final Instant at = t("2026-05-01T12:00:00Z");

        @Test
        void pastInstantStillFiresOnceThroughFirst() {
            FireSequence s = Schedules.sequence(Schedule.at(at), UTC, at.plus(Duration.ofDays(3)));
            assertEquals(Optional.of(at), s.first(at.plus(Duration.ofDays(3))));
            assertEquals(Optional.empty(), s.nextAfter(at));
            assertEquals(Optional.empty(), s.nextAfter(at.plus(Duration.ofDays(3))));
        }

        @Test
        void futureInstant() {
            FireSequence s = Schedules.sequence(Schedule.at(at), UTC, at.minusSeconds(60));
            assertEquals(Optional.of(at), s.first(at.minusSeconds(60)));
            assertEquals(Optional.of(at), s.nextAfter(at.minusNanos(1)));
            assertEquals(Optional.empty(), s.nextAfter(at));
        }

        @Test
        void previewHasExactlyOneFire() {
            assertEquals(utc("2026-05-01T12:00Z"), Schedules.preview(Schedule.at(at), UTC, at.minusSeconds(5), 10));
            assertEquals(utc("2026-05-01T12:00Z"), Schedules.preview(Schedule.at(at), UTC, at.plusSeconds(5), 10));
        }

        @Test
        void localTimeInAZone() {
            ZoneId paris = ZoneId.of("Europe/Paris");
            assertEquals(at(paris, "2026-12-01T10:00+01:00"), Schedules.preview(
                    Schedule.parse("at:2026-12-01T10:00 tz=Europe/Paris"), UTC, t("2026-11-01T00:00:00Z"), 3));
        }
    }

    @Nested
    class RRuleIterator {

        private final Schedule daily5 = Schedule.rrule("FREQ=DAILY;COUNT=5", LocalDateTime.parse("2026-01-05T09:00"));

        private FireSequence sequence(Schedule schedule) {
            return Schedules.sequence(schedule, UTC, t("2026-01-01T00:00:00Z"));
        }

        @Test
        void chainedNextAfterGivesConsecutiveOccurrencesThenEmpty() {
            FireSequence s = sequence(daily5);
            Optional<Instant> next = s.first(t("2026-01-01T00:00:00Z"));
            List<Instant> fires = new ArrayList<>();
            while (next.isPresent()) {
                fires.add(next.get());
                next = s.nextAfter(next.get());
                assertTrue(fires.size() <= 5, "COUNT=5 exceeded: " + fires);
            }
            assertEquals(List.of(t("2026-01-05T09:00:00Z"), t("2026-01-06T09:00:00Z"), t("2026-01-07T09:00:00Z"),
                    t("2026-01-08T09:00:00Z"), t("2026-01-09T09:00:00Z")), fires);
            assertEquals(Optional.empty(), s.nextAfter(t("2026-01-09T09:00:00Z")));
            assertEquals(Optional.empty(), s.nextAfter(t("2030-01-01T00:00:00Z")));
        }

        @Test
        void increasingInstantsBetweenOccurrences() {
            FireSequence s = sequence(daily5);
            assertEquals(Optional.of(t("2026-01-06T09:00:00Z")), s.nextAfter(t("2026-01-05T09:00:00Z")));
            assertEquals(Optional.of(t("2026-01-07T09:00:00Z")), s.nextAfter(t("2026-01-06T12:00:00Z")));
            assertEquals(Optional.of(t("2026-01-07T09:00:00Z")), s.nextAfter(t("2026-01-07T08:59:59.999Z")));
            assertEquals(Optional.of(t("2026-01-08T09:00:00Z")), s.nextAfter(t("2026-01-07T09:00:00Z")));
            assertEquals(Optional.of(t("2026-01-08T09:00:00Z")), s.nextAfter(t("2026-01-07T09:00:00.5Z")));
            assertEquals(Optional.of(t("2026-01-09T09:00:00Z")), s.nextAfter(t("2026-01-08T23:59:59Z")));
            assertEquals(Optional.empty(), s.nextAfter(t("2026-01-09T09:00:00Z")));
        }

        @Test
        void anEarlierRequestAfterALaterOneRestartsCorrectly() {
            FireSequence s = sequence(daily5);
            assertEquals(Optional.of(t("2026-01-09T09:00:00Z")), s.nextAfter(t("2026-01-08T10:00:00Z")));
            assertEquals(Optional.of(t("2026-01-06T09:00:00Z")), s.nextAfter(t("2026-01-05T10:00:00Z")));
            assertEquals(Optional.of(t("2026-01-05T09:00:00Z")), s.nextAfter(t("2025-12-01T00:00:00Z")));
            assertEquals(Optional.of(t("2026-01-08T09:00:00Z")), s.nextAfter(t("2026-01-07T10:00:00Z")));
        }

        @Test
        void countIsHonouredFromDtstartWhenFromIsLater() {
            assertEquals(utc("2026-01-08T09:00Z", "2026-01-09T09:00Z"),
                    Schedules.preview(daily5, UTC, t("2026-01-07T12:00:00Z"), 10));
            FireSequence late = Schedules.sequence(daily5, UTC, t("2026-01-07T12:00:00Z"));
            assertEquals(Optional.of(t("2026-01-08T09:00:00Z")), late.first(t("2026-01-07T12:00:00Z")));
        }

        @Test
        void exhaustedRuleIsEmpty() {
            assertEquals(List.of(), Schedules.preview(daily5, UTC, t("2026-01-09T09:00:00Z"), 10));
            FireSequence s = Schedules.sequence(daily5, UTC, t("2026-02-01T00:00:00Z"));
            assertEquals(Optional.empty(), s.first(t("2026-02-01T00:00:00Z")));
            Schedule until = Schedule.rrule("FREQ=WEEKLY;UNTIL=20260119T000000Z", LocalDateTime.parse("2026-01-05T09:00"));
            assertEquals(utc("2026-01-05T09:00Z", "2026-01-12T09:00Z"),
                    Schedules.preview(until, UTC, t("2026-01-01T00:00:00Z"), 10));
            assertEquals(Optional.empty(), sequence(until).nextAfter(t("2026-01-12T09:00:00Z")));
        }

        @Test
        void untilAsADateIncludesThatWholeDay() {
            // RFC 5545 wants UNTIL of DTSTART's value type (DATE-TIME here) and lib-recur's strict mode rejects a
            // DATE; the API accepts one (UNTIL=20261231), meaning up to the end of that local day
            Schedule until = Schedule.rrule("FREQ=DAILY;UNTIL=20260107", LocalDateTime.parse("2026-01-05T09:00"));
            FireSequence s = Schedules.sequence(until, BERLIN, t("2026-01-01T00:00Z"));
            assertEquals(Optional.of(t("2026-01-07T09:00+01:00")), s.nextAfter(t("2026-01-06T09:00+01:00")));
            assertEquals(Optional.empty(), s.nextAfter(t("2026-01-07T09:00+01:00")));
            assertEquals(at(BERLIN, "2026-01-05T09:00+01:00", "2026-01-06T09:00+01:00", "2026-01-07T09:00+01:00"),
                    Schedules.preview(until, BERLIN, t("2026-01-01T00:00Z"), 10));
            Schedule lastMinute = Schedule.rrule("FREQ=HOURLY;UNTIL=20260105", LocalDateTime.parse("2026-01-05T22:59"));
            assertEquals(utc("2026-01-05T22:59Z", "2026-01-05T23:59Z"),
                    Schedules.preview(lastMinute, UTC, t("2026-01-01T00:00Z"), 10));
        }

        @Test
        void untilInUtcIsAnInstantInTheZone() {
            // 2026-01-07T08:00Z is 09:00 in Berlin: inclusive
            Schedule until = Schedule.rrule("FREQ=DAILY;UNTIL=20260107T080000Z", LocalDateTime.parse("2026-01-05T09:00"));
            assertEquals(at(BERLIN, "2026-01-05T09:00+01:00", "2026-01-06T09:00+01:00", "2026-01-07T09:00+01:00"),
                    Schedules.preview(until, BERLIN, t("2026-01-01T00:00Z"), 10));
            Schedule earlier = Schedule.rrule("FREQ=DAILY;UNTIL=20260107T075959Z", LocalDateTime.parse("2026-01-05T09:00"));
            assertEquals(at(BERLIN, "2026-01-05T09:00+01:00", "2026-01-06T09:00+01:00"),
                    Schedules.preview(earlier, BERLIN, t("2026-01-01T00:00Z"), 10));
        }

        @ParameterizedTest
        @ValueSource(strings = {"FREQ=MONTHLY;BYDAY=20MO", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
                "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31"})
        void rulesThatNeverOccurAreRejectedWhenTheSequenceIsMade(String rule) {
            // the API's syntax check accepts these; lib-recur gives up on them when iterating
            Schedule schedule = Schedule.rrule(rule, LocalDateTime.parse("2026-01-05T09:00"));
            ScheduleParseException e = assertThrows(ScheduleParseException.class,
                    () -> Schedules.sequence(schedule, UTC, t("2026-01-01T00:00Z")));
            assertTrue(e.getMessage().startsWith("rrule"), e.getMessage());
        }

        @Test
        void farJumpsForward() {
            Schedule daily = Schedule.rrule("FREQ=DAILY", LocalDateTime.parse("2026-01-05T09:00"));
            FireSequence s = sequence(daily);
            assertEquals(Optional.of(t("2030-06-02T09:00:00Z")), s.nextAfter(t("2030-06-01T10:00:00Z")));
            assertEquals(Optional.of(t("2030-06-03T09:00:00Z")), s.nextAfter(t("2030-06-02T09:00:00Z")));
        }

        @Test
        void secondsInDtstartAreKeptAndFractionsDropped() {
            Schedule minutely = Schedule.rrule("FREQ=MINUTELY;COUNT=3", LocalDateTime.parse("2026-01-05T09:00:30"));
            assertEquals(utc("2026-01-05T09:00:30Z", "2026-01-05T09:01:30Z", "2026-01-05T09:02:30Z"),
                    Schedules.preview(minutely, UTC, t("2026-01-01T00:00:00Z"), 10));
            Schedule fraction = Schedule.rrule("FREQ=MINUTELY;COUNT=2", LocalDateTime.parse("2026-01-05T09:00:00.750"));
            assertEquals(utc("2026-01-05T09:00Z", "2026-01-05T09:01Z"),
                    Schedules.preview(fraction, UTC, t("2026-01-01T00:00:00Z"), 10));
        }

        @Test
        void subSecondAfterWithinAnOccurrenceSecond() {
            Schedule minutely = Schedule.rrule("FREQ=MINUTELY", LocalDateTime.parse("2026-01-05T09:00"));
            FireSequence s = sequence(minutely);
            assertEquals(Optional.of(t("2026-01-05T09:01:00Z")), s.nextAfter(t("2026-01-05T09:00:00.5Z")));
            assertEquals(Optional.of(t("2026-01-05T09:01:00Z")), s.nextAfter(t("2026-01-05T09:00:59.999999999Z")));
            assertEquals(Optional.of(t("2026-01-05T09:02:00Z")), s.nextAfter(t("2026-01-05T09:01:00Z")));
        }

        @Test
        void zoneFromTheScheduleOrTheDefault() {
            Schedule weekly = Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00 tz=Europe/Berlin");
            List<ZonedDateTime> expected = at(BERLIN, "2026-01-05T09:00+01:00", "2026-01-12T09:00+01:00");
            assertEquals(expected, Schedules.preview(weekly, UTC, t("2026-01-01T00:00:00Z"), 2));
            Schedule noZone = Schedule.rrule("FREQ=WEEKLY;BYDAY=MO", LocalDateTime.parse("2026-01-05T09:00"));
            assertEquals(expected, Schedules.preview(noZone, BERLIN, t("2026-01-01T00:00:00Z"), 2));
        }

        @Test
        void lastFridayOfTheMonth() {
            Schedule lastFriday = Schedule.rrule("FREQ=MONTHLY;BYDAY=-1FR", LocalDateTime.parse("2026-01-30T17:00"));
            assertEquals(utc("2026-01-30T17:00Z", "2026-02-27T17:00Z", "2026-03-27T17:00Z", "2026-04-24T17:00Z"),
                    Schedules.preview(lastFriday, UTC, t("2026-01-01T00:00:00Z"), 4));
        }
    }

    @Nested
    class Describe {

        @Test
        void cronUsesCronUtilsEnglishAndTheZone() {
            String text = Schedules.describe(Schedule.cron("0 3 * * *"), BERLIN);
            assertTrue(text.contains("03:00"), text);
            assertTrue(text.endsWith(" (Europe/Berlin)"), text);
            String zoned = Schedules.describe(Schedule.parse("cron:30 14 * * MON tz=Asia/Tokyo"), BERLIN);
            assertTrue(zoned.contains("14:30"), zoned);
            assertTrue(zoned.toLowerCase().contains("monday"), zoned);
            assertTrue(zoned.endsWith(" (Asia/Tokyo)"), zoned);
        }

        @Test
        void cronMacroIsDescribedAsItsExpansion() {
            assertEquals(Schedules.describe(Schedule.cron("0 0 * * *"), UTC),
                    Schedules.describe(Schedule.cron("@daily"), UTC));
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                every:PT5M             | every 5 min, starting at registration
                every:PT1H delay=PT10M | every 1 h, starting 10 min after registration
                every:PT1H30M          | every 1 h 30 min, starting at registration
                every:PT0.5S           | every 0.5 s, starting at registration
                every:PT1M30S          | every 1 min 30 s, starting at registration
                every:PT24H delay=PT5S | every 24 h, starting 5 s after registration
                """)
        void interval(String schedule, String expected) {
            assertEquals(expected, Schedules.describe(Schedule.parse(schedule), UTC));
        }

        @Test
        void once() {
            assertEquals("once, at 2026-12-01T11:00:00+01:00 (Europe/Paris)", Schedules.describe(
                    Schedule.at(t("2026-12-01T10:00:00Z")), ZoneId.of("Europe/Paris")));
            assertEquals("once, at 2026-12-01T19:00:00+09:00 (Asia/Tokyo)", Schedules.describe(
                    Schedule.parse("at:2026-12-01T10:00:00Z tz=Asia/Tokyo"), ZoneId.of("Europe/Paris")));
        }

        @Test
        void rrule() {
            assertEquals("RFC 5545 recurrence FREQ=WEEKLY;BYDAY=MO from 2026-01-05T09:00 (Europe/Paris)",
                    Schedules.describe(Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00"),
                            ZoneId.of("Europe/Paris")));
        }
    }
}
