package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * Random {@code every:} and {@code at:} texts and attributes through the public path ({@link Schedule#parse}, then
 * {@link Schedules#preview}, {@link FireSequence#nextAfter} and {@link Schedules#describe}): a text is either
 * rejected with a {@link ScheduleParseException} naming the field at fault, or it round-trips through
 * {@link Schedule#text()} and its fires are what the README says. An interval fires at
 * {@code registration + delay + k * period}; a one-shot once, at its instant, where a local time takes the
 * zone's offset as cron does (a time in a gap is moved forward by the gap, one in an overlap is the first). Every
 * computation within {@link #SLOWEST} (a hang detector).
 *
 * <p>Seeded and under a second in {@code mvn verify}. Long form:
 * {@code mvn -pl scheduler.impl -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=ScheduleTextFuzzTest -Dschedule.fuzz.texts=500000 -Dschedule.fuzz.seed=7}.
 */
class ScheduleTextFuzzTest {

    private static final long SEED = Long.getLong("schedule.fuzz.seed", 20_261_207L);
    private static final int TEXTS = Integer.getInteger("schedule.fuzz.texts", 3_000);
    /**
     * A computation that takes longer is a finding: a hang detector, not a speed goal (a preview takes about a
     * millisecond; the pathological inputs found took 8 s to minutes). Generous, as CI runs it beside other
     * forks on two cores; the long form can tighten it.
     */
    private static final Duration SLOWEST = Duration.ofMillis(Long.getLong("schedule.fuzz.slowestMs", 5_000));
    private static final Duration LONGEST = Duration.ofDays(73_000);

    private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York",
            "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham");

    private static final String[] DURATIONS = {"PT5M", "PT1H", "P1D", "PT0S", "PT0.001S", "PT0.0001S",
        "PT0.0009999S", "PT0.0010001S", "PT-5M", "-PT5M", "-PT0S", "P1M", "P1Y", "P1W", "P1DT1H", "pt30s",
        "PT1.5S", "PT0.5H", "P73000D", "P73001D", "PT1752000H", "PT1752000H0.000000001S", "P40000D", "P36500D",
        "P999999999D", "PT9223372036854775807S", "PT-9223372036854775808S", "P106751D", "PT", "P", "", "5M",
        "PT5", "PT5M ", "PT1H30M", "P2DT3H4M5.678S", "PT0.000000001S", "PT1M-1S", "P1DT-24H", "PT+5M"};

    private static final String[] INSTANTS = {"2026-12-01T10:00:00Z", "2026-12-01T10:00Z", "1970-01-01T00:00Z",
        "1900-01-01T00:00Z", "0001-01-01T00:00Z", "+10000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
        "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00Z", "2026-12-01T10:00+05:30", "2026-12-01T10:00-12:00",
        "2026-12-01T10:00+18:00", "2026-12-01T10:00+19:00", "2026-12-01T10:00:00.123456789+01:00",
        "2026-02-30T10:00Z", "2026-12-01", "10:00", "2026-12-01T10:00+05:30[Asia/Kolkata]", "2026-12-01T24:00Z",
        "2026-03-29T02:30", "2026-10-25T02:30", "2026-03-08T02:30", "2026-11-01T01:30", "2026-09-06T00:30",
        "2026-04-05T01:45", "2026-10-04T02:15", "2026-04-05T03:00", "2026-09-27T02:50", "2026-12-01T10:00",
        "2026-12-01T10:00:00.5", ""};

    private static final String[] ZONE_VALUES = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
        "America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "", "europe/berlin", "+05:30", "UTC+5", "GMT+05:30",
        "Z", "Mars/Olympus", "../etc/passwd", "EST", "-25:00"};

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        boolean every = random.nextBoolean();
        text.append(every ? (random.nextInt(10) == 0 ? "EVERY:" : "every:") : (random.nextInt(10) == 0 ? "AT:" : "at:"));
        text.append(every ? pick(random, DURATIONS) : pick(random, INSTANTS));
        int attributes = random.nextInt(4);
        for (int i = 0; i < attributes; i++) {
            text.append(' ');
            switch (random.nextInt(8)) {
                case 0, 1, 2 -> text.append(random.nextInt(6) == 0 ? "TZ=" : "tz=").append(pick(random, ZONE_VALUES));
                case 3, 4 -> text.append("delay=").append(pick(random, DURATIONS));
                case 5 -> text.append(pick(random, new String[] {"foo=bar", "start=2026-01-01T00:00", "=x", "tz",
                    "x=", "delay", "tz==UTC"}));
                default -> text.append(random.nextBoolean() ? "tz=UTC" : "delay=PT1M");
            }
        }
        return random.nextInt(20) == 0 ? "  " + text + "\t" : text.toString();
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    @Test
    void randomIntervalAndOneShotTextsParseRightOrNameTheirField() {
        Random random = new Random(SEED);
        List<String> findings = new ArrayList<>();
        int accepted = 0;
        for (int n = 0; n < TEXTS && findings.size() < 20; n++) {
            String text = randomText(random);
            String problem = check(text, random);
            if (problem == null) {
                accepted++;
            } else if (!problem.isEmpty()) {
                findings.add(problem);
            }
        }
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + SEED + "):\n" + String.join("\n", findings));
        assertTrue(accepted >= TEXTS / 10, "accepted " + accepted);
    }

    /** @return null when accepted and right, "" when rightly rejected, else what is wrong */
    private static String check(String text, Random random) {
        Schedule schedule;
        try {
            schedule = Schedule.parse(text);
        } catch (ScheduleParseException e) {
            Set<String> named = Set.of("every", "delay", "at", "tz", "schedule");
            boolean attributeNamed = text.toLowerCase(Locale.ROOT).contains(e.field() + "=");
            if (!named.contains(e.field()) && !attributeNamed) {
                return "'" + text + "': rejected naming '" + e.field() + "': " + e.getMessage();
            }
            if (e.getMessage().contains("overflow") || e.getMessage().contains("Exception")) {
                return "'" + text + "': a library's words, not the field's: " + e.getMessage();
            }
            return "";
        } catch (RuntimeException e) {
            return "'" + text + "': parse threw " + e;
        }
        try {
            if (!Schedule.parse(schedule.text()).equals(schedule)) {
                return "'" + text + "': text() '" + schedule.text() + "' parses to something else";
            }
            Schedules.describe(schedule, ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return "'" + text + "': parsed, then text() or describe threw " + e;
        }
        Instant from = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(random.nextLong(-86_400L * 365 * 60,
                86_400L * 365 * 60)).plusNanos(random.nextInt(1_000_000_000));
        ZoneId zone = schedule.zone().orElse(ZoneOffset.UTC);
        long began = System.nanoTime();
        List<Instant> fires;
        try {
            fires = Schedules.preview(schedule, ZoneOffset.UTC, from, 5).stream().map(ZonedDateTime::toInstant).toList();
        } catch (RuntimeException e) {
            return "'" + text + "': parsed, then preview from " + from + " threw " + e;
        }
        if (Duration.ofNanos(System.nanoTime() - began).compareTo(SLOWEST) > 0) {
            return "'" + text + "': preview took over " + SLOWEST;
        }
        List<Instant> expected = expected(schedule, from, zone);
        if (!expected.equals(fires)) {
            return "'" + text + "' from " + from + ":\n  expected " + expected + "\n  actual   " + fires;
        }
        if (schedule instanceof Schedule.Interval i) {
            // nextAfter from any instant, up to 200 years on: the next multiple of the period
            Instant anchor = from.plus(i.initialDelay());
            FireSequence sequence = Schedules.sequence(schedule, ZoneOffset.UTC, from);
            Instant after = anchor.plusSeconds(random.nextLong(-86_400L * 365, 86_400L * 365 * 200))
                    .plusNanos(random.nextInt(1_000_000_000));
            Optional<Instant> next;
            try {
                next = sequence.nextAfter(after);
            } catch (RuntimeException e) {
                return "'" + text + "': nextAfter(" + after + ") with anchor " + anchor + " threw " + e;
            }
            Instant want = after.isBefore(anchor) ? anchor
                    : anchor.plus(i.period().multipliedBy(Duration.between(anchor, after).dividedBy(i.period()) + 1));
            if (!Optional.of(want).equals(next)) {
                return "'" + text + "': nextAfter(" + after + ") with anchor " + anchor + ": expected " + want
                        + ", actual " + next;
            }
        }
        return null;
    }

    /** The fires the README gives: an interval from registration plus delay, a one-shot once. */
    private static List<Instant> expected(Schedule schedule, Instant from, ZoneId zone) {
        List<Instant> fires = new ArrayList<>();
        if (schedule instanceof Schedule.Interval i) {
            Instant anchor = from.plus(i.initialDelay());
            for (int k = 0; k < 5; k++) {
                fires.add(anchor.plus(i.period().multipliedBy(k)));
            }
        } else if (schedule instanceof Schedule.Once o) {
            fires.add(o.at());
        }
        return fires;
    }

    /** A local time in a one-shot resolves as a cron wall time does: forward by a gap, first of an overlap. */
    @Test
    void aLocalOneShotTakesTheZonesOffsetAsCronDoes() {
        for (String zone : ZONES) {
            ZoneId z = ZoneId.of(zone);
            for (String local : INSTANTS) {
                LocalDateTime wall;
                try {
                    wall = LocalDateTime.parse(local);
                } catch (DateTimeParseException notLocal) {
                    continue;
                }
                Schedule.Once once = (Schedule.Once) Schedule.parse("at:" + local + " tz=" + zone);
                List<ZoneOffset> offsets = z.getRules().getValidOffsets(wall);
                Instant want = offsets.isEmpty() ? wall.toInstant(z.getRules().getTransition(wall).getOffsetBefore())
                        : offsets.stream().map(wall::toInstant).min(Instant::compareTo).orElseThrow();
                assertEquals(want, once.at(), local + " in " + zone);
            }
        }
        // an offset wins over tz=, which only displays it
        assertEquals(OffsetDateTime.parse("2026-12-01T10:00+05:30").toInstant(),
                ((Schedule.Once) Schedule.parse("at:2026-12-01T10:00+05:30 tz=Europe/Berlin")).at());
    }

    /**
     * An interval of up to 200 years (the longest the API accepts) previews its fires: the fourth of P40000D is past
     * 292 years from registration, the most a long count of nanoseconds holds.
     */
    @Test
    void theLongestIntervalsPreviewEveryFire() {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        for (String period : List.of("P40000D", "P73000D", "PT1752000H")) {
            Schedule schedule = Schedule.parse("every:" + period + " delay=P73000D");
            Duration p = ((Schedule.Interval) schedule).period();
            List<Instant> fires = Schedules.preview(schedule, ZoneOffset.UTC, from, 5).stream()
                    .map(ZonedDateTime::toInstant).toList();
            Instant anchor = from.plus(LONGEST);
            assertEquals(List.of(anchor, anchor.plus(p), anchor.plus(p.multipliedBy(2)), anchor.plus(p.multipliedBy(3)),
                    anchor.plus(p.multipliedBy(4))), fires, period);
        }
    }
}
