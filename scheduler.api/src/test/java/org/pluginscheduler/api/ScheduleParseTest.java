package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Optional;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Well-formed schedule texts: what they parse to, their canonical text, and the round trip. */
class ScheduleParseTest {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    /**
     * {@code parse(input).text()} is the canonical form; the canonical form parses to an equal schedule and is a
     * fixed point of parse/text.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            cron:0 3 * * *                                      | cron:0 3 * * *
            cron:0 3 * * * tz=Europe/Paris                      | cron:0 3 * * * tz=Europe/Paris
            CRON:  0   3  *  *  *   TZ=Europe/Paris             | cron:0 3 * * * tz=Europe/Paris
            cron:	0 3 * * *	tz=UTC                          | cron:0 3 * * * tz=UTC
            cron:@daily                                         | cron:0 0 * * *
            cron:@midnight                                      | cron:0 0 * * *
            cron:@hourly                                        | cron:0 * * * *
            cron:@weekly                                        | cron:0 0 * * 0
            cron:@monthly                                       | cron:0 0 1 * *
            cron:@yearly                                        | cron:0 0 1 1 *
            cron:@annually                                      | cron:0 0 1 1 *
            cron:@DAILY tz=America/New_York                     | cron:0 0 * * * tz=America/New_York
            cron:@Hourly                                        | cron:0 * * * *
            cron:0 9 * jan-mar mon-fri                          | cron:0 9 * JAN-MAR MON-FRI
            cron:0 9 * Jan,Feb,Dec Sun,sAt                      | cron:0 9 * JAN,FEB,DEC SUN,SAT
            cron:0 9 * JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC * | cron:0 9 * JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC *
            cron:0 9 * * SUN,MON,TUE,WED,THU,FRI,SAT            | cron:0 9 * * SUN,MON,TUE,WED,THU,FRI,SAT
            cron:0 0 * * 7                                      | cron:0 0 * * 7
            cron:0 0 * * 5-7                                    | cron:0 0 * * 5-7
            cron:0 0 * * 0-7/2                                  | cron:0 0 * * 0-7/2
            cron:0 0 * * */2                                    | cron:0 0 * * */2
            cron:*/15 * * * *                                   | cron:*/15 * * * *
            cron:*/59 * * * *                                   | cron:*/59 * * * *
            cron:0-30/10 8-18/2 1,15 */3 *                      | cron:0-30/10 8-18/2 1,15 */3 *
            cron:0,15,30,45 0-23 1-31 1-12 0-6                  | cron:0,15,30,45 0-23 1-31 1-12 0-6
            cron:59 23 31 12 6                                  | cron:59 23 31 12 6
            cron:00 03 01 01 *                                  | cron:00 03 01 01 *
            cron:0 0 29 2 *                                     | cron:0 0 29 2 *
            cron:0 0 29 feb *                                   | cron:0 0 29 FEB *
            cron:0 0 30,31 2,3 *                                | cron:0 0 30,31 2,3 *
            cron:0 0 31 * *                                     | cron:0 0 31 * *
            cron:0 0 31 4,6 1                                   | cron:0 0 31 4,6 1
            cron:0 0 30 2 MON                                   | cron:0 0 30 2 MON
            cron:0 0 */31 2 *                                   | cron:0 0 */31 2 *
            every:PT5M                                          | every:PT5M
            every:pt5m                                          | every:PT5M
            EVERY:PT5M                                          | every:PT5M
            every:PT1H delay=PT10M                              | every:PT1H delay=PT10M
            every:PT1H delay=PT0S                               | every:PT1H
            every:PT1H DELAY=pt10m                              | every:PT1H delay=PT10M
            every:P1D                                           | every:PT24H
            every:PT90M                                         | every:PT1H30M
            every:PT0.001S                                      | every:PT0.001S
            every:PT1.5S                                        | every:PT1.5S
            every:PT1H30M delay=PT1M tz=Europe/Paris            | every:PT1H30M delay=PT1M tz=Europe/Paris
            every:PT5M tz=UTC delay=PT1M                        | every:PT5M delay=PT1M tz=UTC
            at:2026-12-01T10:00:00Z                             | at:2026-12-01T10:00:00Z
            at:2026-12-01T10:00Z                                | at:2026-12-01T10:00:00Z
            at:2026-12-01T10:00:00.250Z                         | at:2026-12-01T10:00:00.250Z
            at:2026-12-01T10:00:00+02:00                        | at:2026-12-01T08:00:00Z
            at:2026-12-01T10:00:00-05:30                        | at:2026-12-01T15:30:00Z
            at:2026-12-01T10:00 tz=Europe/Paris                 | at:2026-12-01T09:00:00Z tz=Europe/Paris
            at:2026-07-01T10:00 tz=Europe/Paris                 | at:2026-07-01T08:00:00Z tz=Europe/Paris
            at:2026-12-01T10:00:00Z tz=Asia/Tokyo               | at:2026-12-01T10:00:00Z tz=Asia/Tokyo
            at:2026-12-01T10:00:00+01:00 tz=Asia/Tokyo          | at:2026-12-01T09:00:00Z tz=Asia/Tokyo
            rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00 tz=Europe/Paris | rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00 tz=Europe/Paris
            rrule:FREQ=DAILY start=2026-01-05T09:00             | rrule:FREQ=DAILY start=2026-01-05T09:00
            rrule:FREQ=DAILY tz=UTC start=2026-01-05T09:00      | rrule:FREQ=DAILY start=2026-01-05T09:00 tz=UTC
            rrule:freq=monthly;byday=-1fr start=2026-01-30T17:30 | rrule:FREQ=MONTHLY;BYDAY=-1FR start=2026-01-30T17:30
            rrule:RRULE:FREQ=DAILY;INTERVAL=2 start=2026-01-05T09:00:30 | rrule:FREQ=DAILY;INTERVAL=2 start=2026-01-05T09:00:30
            rrule:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;BYMONTH=1,4,7,10 start=2026-01-01T08:00 | rrule:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;BYMONTH=1,4,7,10 start=2026-01-01T08:00
            rrule:FREQ=YEARLY;COUNT=3 start=2026-01-01T00:00    | rrule:FREQ=YEARLY;COUNT=3 start=2026-01-01T00:00
            rrule:FREQ=DAILY;UNTIL=20261231T235959Z start=2026-01-01T00:00 | rrule:FREQ=DAILY;UNTIL=20261231T235959Z start=2026-01-01T00:00
            rrule:FREQ=DAILY;UNTIL=20261231 start=2026-01-01T00:00 | rrule:FREQ=DAILY;UNTIL=20261231 start=2026-01-01T00:00
            rrule:FREQ=MONTHLY;BYMONTHDAY=-1,1,+15,31 start=2026-01-01T00:00 | rrule:FREQ=MONTHLY;BYMONTHDAY=-1,1,+15,31 start=2026-01-01T00:00
            rrule:FREQ=WEEKLY;WKST=SU;BYDAY=TU,TH;INTERVAL=2 start=2026-01-06T07:00 | rrule:FREQ=WEEKLY;WKST=SU;BYDAY=TU,TH;INTERVAL=2 start=2026-01-06T07:00
            rrule:FREQ=YEARLY;BYWEEKNO=20,-53;BYDAY=MO start=2026-01-01T00:00 | rrule:FREQ=YEARLY;BYWEEKNO=20,-53;BYDAY=MO start=2026-01-01T00:00
            rrule:FREQ=YEARLY;BYYEARDAY=-1,366 start=2026-01-01T00:00 | rrule:FREQ=YEARLY;BYYEARDAY=-1,366 start=2026-01-01T00:00
            rrule:FREQ=YEARLY;BYDAY=53MO,-53SU,+1TU start=2026-01-01T00:00 | rrule:FREQ=YEARLY;BYDAY=53MO,-53SU,+1TU start=2026-01-01T00:00
            rrule:FREQ=MINUTELY;BYSECOND=0,60;BYMINUTE=0,59;BYHOUR=0,23 start=2026-01-01T00:00 | rrule:FREQ=MINUTELY;BYSECOND=0,60;BYMINUTE=0,59;BYHOUR=0,23 start=2026-01-01T00:00
            """)
    void parsesToCanonicalTextAndRoundTrips(String input, String canonical) {
        Schedule s = Schedule.parse(input);
        assertEquals(canonical, s.text());
        assertEquals(s, Schedule.parse(s.text()), "parse(s.text()) equals s");
        assertEquals(s.hashCode(), Schedule.parse(s.text()).hashCode());
        assertEquals(canonical, Schedule.parse(canonical).text(), "the canonical text is a fixed point");
    }

    @Test
    void duplicateStartInDifferentCaseIsReportedNotSilentlyMerged() {
        // attribute names are case-insensitive, so START= and start= are the same attribute given twice
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> Schedule.parse("rrule:FREQ=DAILY start=2026-01-01T00:00 START=2026-01-02T00:00"));
        assertEquals("start", e.field());
        assertEquals("start: appears twice", e.getMessage());
    }

    @Nested
    class Cron {
        @Test
        void cronWithoutZone() {
            Schedule.Cron c = assertInstanceOf(Schedule.Cron.class, Schedule.parse("cron:0 3 * * *"));
            assertEquals("0 3 * * *", c.expression());
            assertEquals(Optional.empty(), c.zone());
            assertTrue(c.isPeriodic());
        }

        @Test
        void cronWithZone() {
            Schedule.Cron c = assertInstanceOf(Schedule.Cron.class, Schedule.parse("cron:0 3 * * * tz=Europe/Paris"));
            assertEquals("0 3 * * *", c.expression());
            assertEquals(Optional.of(PARIS), c.zone());
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                @yearly   | 0 0 1 1 *
                @annually | 0 0 1 1 *
                @monthly  | 0 0 1 * *
                @weekly   | 0 0 * * 0
                @daily    | 0 0 * * *
                @midnight | 0 0 * * *
                @hourly   | 0 * * * *
                """)
        void macrosAreExpanded(String macro, String expansion) {
            assertEquals(expansion, Schedule.cron(macro).expression());
            assertEquals(Schedule.cron(expansion), Schedule.cron(macro));
            assertEquals(Schedule.cron(expansion), Schedule.parse("cron:" + macro.toUpperCase()));
        }

        @Test
        void namesAreCaseInsensitiveAndNormalizedToUpperCase() {
            assertEquals(Schedule.cron("0 9 * JAN-MAR MON-FRI"), Schedule.cron("0 9 * jan-Mar mOn-fri"));
            assertEquals("0 9 * JAN-MAR MON-FRI", Schedule.cron("0 9 * jan-Mar mOn-fri").expression());
        }

        @ParameterizedTest
        @ValueSource(strings = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"})
        void everyMonthNameIsAccepted(String month) {
            assertEquals("0 0 1 " + month.toUpperCase() + " *", Schedule.cron("0 0 1 " + month + " *").expression());
        }

        @ParameterizedTest
        @ValueSource(strings = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "sun", "mon", "tue", "wed", "thu",
                "fri", "sat", "0", "1", "2", "3", "4", "5", "6", "7"})
        void everyDayOfWeekIsAccepted(String day) {
            assertEquals("0 0 * * " + day.toUpperCase(), Schedule.cron("0 0 * * " + day).expression());
        }

        @Test
        void constructorNormalizesWhitespace() {
            assertEquals("0 3 * * *", new Schedule.Cron("  0\t3   *  * *\n", Optional.empty()).expression());
        }

        @Test
        void withZoneKeepsTheExpression() {
            Schedule.Cron c = Schedule.cron("0 3 * * *").withZone(PARIS);
            assertEquals(new Schedule.Cron("0 3 * * *", Optional.of(PARIS)), c);
            assertEquals("cron:0 3 * * * tz=Europe/Paris", c.text());
        }

        @Test
        void zoneTakesPartInEquality() {
            assertNotEquals(Schedule.parse("cron:0 3 * * *"), Schedule.parse("cron:0 3 * * * tz=Europe/Paris"));
            assertNotEquals(Schedule.parse("cron:0 3 * * * tz=UTC"), Schedule.parse("cron:0 3 * * * tz=Europe/Paris"));
        }
    }

    @Nested
    class Every {
        @Test
        void intervalWithoutDelay() {
            Schedule.Interval i = assertInstanceOf(Schedule.Interval.class, Schedule.parse("every:PT5M"));
            assertEquals(Duration.ofMinutes(5), i.period());
            assertEquals(Duration.ZERO, i.initialDelay());
            assertEquals(Optional.empty(), i.zone());
            assertTrue(i.isPeriodic());
            assertEquals(Schedule.every(Duration.ofMinutes(5)), i);
        }

        @Test
        void intervalWithDelayAndZone() {
            Schedule.Interval i = assertInstanceOf(Schedule.Interval.class,
                    Schedule.parse("every:PT1H delay=PT10M tz=Europe/Paris"));
            assertEquals(Duration.ofHours(1), i.period());
            assertEquals(Duration.ofMinutes(10), i.initialDelay());
            assertEquals(Optional.of(PARIS), i.zone());
            assertEquals(Schedule.every(Duration.ofHours(1), Duration.ofMinutes(10)).withZone(PARIS), i);
        }

        @Test
        void smallestPeriodIsOneMillisecond() {
            assertEquals(Duration.ofMillis(1), Schedule.every(Duration.ofMillis(1)).period());
        }

        @Test
        void factoryRejectsNonPositivePeriodAndNegativeDelay() {
            ScheduleParseException zero = assertThrows(ScheduleParseException.class,
                    () -> Schedule.every(Duration.ZERO));
            assertEquals("every", zero.field());
            assertEquals("every: PT0S must be positive (at least PT0.001S)", zero.getMessage());
            ScheduleParseException negative = assertThrows(ScheduleParseException.class,
                    () -> Schedule.every(Duration.ofMinutes(1), Duration.ofSeconds(-1)));
            assertEquals("delay", negative.field());
            assertEquals("delay: PT-1S must not be negative", negative.getMessage());
        }
    }

    @Nested
    class At {
        @Test
        void instantWithZ() {
            Schedule.Once o = assertInstanceOf(Schedule.Once.class, Schedule.parse("at:2026-12-01T10:00:00Z"));
            assertEquals(Instant.parse("2026-12-01T10:00:00Z"), o.at());
            assertEquals(Optional.empty(), o.zone());
            assertFalse(o.isPeriodic());
            assertEquals(Schedule.at(Instant.parse("2026-12-01T10:00:00Z")), o);
        }

        @Test
        void instantWithOffset() {
            Schedule.Once o = assertInstanceOf(Schedule.Once.class, Schedule.parse("at:2026-12-01T10:00:00+02:00"));
            assertEquals(Instant.parse("2026-12-01T08:00:00Z"), o.at());
            assertEquals(Optional.empty(), o.zone());
        }

        @Test
        void localTimeWithZone() {
            Schedule.Once o = assertInstanceOf(Schedule.Once.class, Schedule.parse("at:2026-12-01T10:00 tz=Europe/Paris"));
            assertEquals(Instant.parse("2026-12-01T09:00:00Z"), o.at());
            assertEquals(Optional.of(PARIS), o.zone());
        }

        @Test
        void anExplicitOffsetWinsOverTheZone() {
            Schedule.Once o = assertInstanceOf(Schedule.Once.class,
                    Schedule.parse("at:2026-12-01T10:00:00Z tz=Europe/Paris"));
            assertEquals(Instant.parse("2026-12-01T10:00:00Z"), o.at());
            assertEquals(Optional.of(PARIS), o.zone());
        }

        @Test
        void localTimeInASpringForwardGapIsMovedForwardByTheGap() {
            // Europe/Berlin, 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist and becomes 03:30 CEST
            Schedule.Once o = (Schedule.Once) Schedule.parse("at:2026-03-29T02:30 tz=Europe/Berlin");
            assertEquals(Instant.parse("2026-03-29T01:30:00Z"), o.at());
        }

        @Test
        void localTimeInAFallBackOverlapUsesTheFirstOccurrence() {
            // Europe/Berlin, 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 occurs twice, the first is 02:30+02:00
            Schedule.Once o = (Schedule.Once) Schedule.parse("at:2026-10-25T02:30 tz=Europe/Berlin");
            assertEquals(Instant.parse("2026-10-25T00:30:00Z"), o.at());
        }

        @Test
        void withZoneKeepsTheInstant() {
            Schedule.Once o = Schedule.at(Instant.parse("2026-12-01T10:00:00Z")).withZone(PARIS);
            assertEquals(Instant.parse("2026-12-01T10:00:00Z"), o.at());
            assertEquals("at:2026-12-01T10:00:00Z tz=Europe/Paris", o.text());
        }
    }

    @Nested
    class RRule {

        /** datasette-cron's {"rrule": "FREQ=WEEKLY;BYDAY=MO"}: a rule without start= starts at a fixed default. */
        @Test
        void aRuleWithoutStartStartsAtTheDocumentedDefaultEveryTime() {
            Schedule.RRule r = assertInstanceOf(Schedule.RRule.class, Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO"));
            assertEquals(java.time.LocalDateTime.of(2001, 1, 1, 0, 0), r.start());
            assertEquals(java.time.DayOfWeek.MONDAY, r.start().getDayOfWeek());
            assertEquals(r, Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO"), "the same after a restart");
            assertEquals("rrule:FREQ=WEEKLY;BYDAY=MO start=2001-01-01T00:00", r.text(), "said in its text");
            assertEquals(Optional.of(PARIS), assertInstanceOf(Schedule.RRule.class,
                    Schedule.parse("rrule:FREQ=DAILY tz=Europe/Paris")).zone());
        }
        @Test
        void ruleWithStartAndZone() {
            Schedule.RRule r = assertInstanceOf(Schedule.RRule.class,
                    Schedule.parse("rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00 tz=Europe/Paris"));
            assertEquals("FREQ=WEEKLY;BYDAY=MO", r.rule());
            assertEquals(LocalDateTime.of(2026, 1, 5, 9, 0), r.start());
            assertEquals(Optional.of(PARIS), r.zone());
            assertTrue(r.isPeriodic());
            assertEquals(Schedule.rrule("FREQ=WEEKLY;BYDAY=MO", LocalDateTime.of(2026, 1, 5, 9, 0)).withZone(PARIS), r);
        }

        @Test
        void ruleWithoutZone() {
            Schedule.RRule r = assertInstanceOf(Schedule.RRule.class,
                    Schedule.parse("rrule:FREQ=DAILY start=2026-01-05T09:00"));
            assertEquals(Optional.empty(), r.zone());
        }

        @Test
        void partsKeepTheirOrderAndAreUpperCased() {
            assertEquals("BYDAY=-1FR;FREQ=MONTHLY;INTERVAL=2",
                    Schedule.rrule("byday=-1fr;freq=monthly;interval=2", LocalDateTime.of(2026, 1, 1, 0, 0)).rule());
        }

        @Test
        void rrulePrefixIsStripped() {
            assertEquals("FREQ=DAILY", Schedule.rrule("rrule:FREQ=DAILY", LocalDateTime.of(2026, 1, 1, 0, 0)).rule());
        }
    }

    @Test
    void withZoneReturnsTheSameKind() {
        ZoneId utc = ZoneId.of("UTC");
        for (String text : new String[] {"cron:0 3 * * *", "every:PT5M delay=PT1M", "at:2026-12-01T10:00:00Z",
                "rrule:FREQ=DAILY start=2026-01-05T09:00"}) {
            Schedule s = Schedule.parse(text);
            Schedule zoned = s.withZone(utc);
            assertEquals(s.getClass(), zoned.getClass());
            assertEquals(Optional.of(utc), zoned.zone());
            assertEquals(text + " tz=UTC", zoned.text());
            assertEquals(zoned, Schedule.parse(zoned.text()));
        }
    }

    @Test
    void zoneOfResolvesIanaIdsAndOffsets() {
        assertEquals(PARIS, Schedule.zoneOf("Europe/Paris"));
        assertEquals(ZoneId.of("+02:00"), Schedule.zoneOf("+02:00"));
        ScheduleParseException e = assertThrows(ScheduleParseException.class, () -> Schedule.zoneOf("Mars/Olympus"));
        assertEquals("tz", e.field());
        assertEquals("unknown time zone 'Mars/Olympus'", e.detail());
        assertEquals("tz: unknown time zone 'Mars/Olympus'", e.getMessage());
    }

    @Test
    void leadingAndTrailingWhitespaceIsIgnored() {
        assertEquals(Schedule.cron("0 3 * * *"), Schedule.parse("  \tcron:0 3 * * *  \n"));
        assertEquals(Schedule.every(Duration.ofMinutes(5)), Schedule.parse(" every:  PT5M "));
    }

    @Test
    void nullTextIsRejected() {
        assertThrows(NullPointerException.class, () -> Schedule.parse(null));
    }
}
