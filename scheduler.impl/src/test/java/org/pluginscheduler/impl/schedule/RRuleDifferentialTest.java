package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * Random RRULEs, evaluated by the scheduler and by {@link RRuleReference} (an independent brute-force RFC 5545
 * expander), must give the same fires, in UTC and in zones with DST (where the reference's wall times are mapped
 * by the documented policy: a gap shifts by its length, an overlap fires at its first pass, equal instants once).
 *
 * <p>Seeded: {@code mvn verify} runs {@value #DEFAULT_RULES} rules in a few seconds; the long form is
 * {@code mvn -pl scheduler.impl -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=RRuleDifferentialTest -Drrule.diff.rules=200000 -Drrule.diff.seed=N}
 * (any seed; a failure names the seed and rule so it can be replayed).
 */
class RRuleDifferentialTest {

    static final int DEFAULT_RULES = 1500;
    private static final int FIRES = 25;
    private static final String[] FREQS = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
    private static final String[] DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("America/Santiago"),
            ZoneId.of("Asia/Tokyo"));

    @Test
    void randomRulesAgreeWithTheBruteForceReference() {
        long seed = Long.getLong("rrule.diff.seed", 20261207L);
        int rules = Integer.getInteger("rrule.diff.rules", DEFAULT_RULES);
        Random random = new Random(seed);
        List<String> failures = new ArrayList<>();
        int compared = 0;
        int empty = 0; // accepted, and no fire to compare (asked about after its end, or nothing within the horizon)
        int rejected = 0; // rejected as never occurring (or too sparse), where the reference found nothing either
        for (int i = 0; i < rules && failures.size() < 20; i++) {
            Case c = randomCase(random);
            int[] fires = new int[1];
            String failure = compare(c, fires);
            if (fires[0] < 0) {
                rejected++;
            } else if (fires[0] == 0) {
                empty++;
            }
            if (failure != null) {
                failures.add("seed " + seed + " #" + i + ": " + failure);
            }
            compared++;
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " rules differ:\n" + String.join("\n", failures));
        }
        // a test that compares nothing passes: most cases must compare fires (random parts often combine into rules
        // that never occur, such as BYDAY=1FR;BYMONTHDAY=8: those check the rejection instead)
        int withFires = compared - empty - rejected;
        assertTrue(withFires >= compared * 0.6 && empty <= compared / 10, withFires + " of " + compared
                + " cases compared fires, " + rejected + " were rejected as never occurring, " + empty + " compared none");
    }

    record Case(String rule, LocalDateTime start, ZoneId zone, LocalDateTime from) {
    }

    /** @return null if both agree, else a description */
    static String compare(Case c, int[] firesCompared) {
        Schedule schedule;
        String text = "rrule:" + c.rule + " start=" + c.start + " tz=" + c.zone.getId();
        try {
            schedule = Schedule.parse(text);
        } catch (ScheduleParseException e) {
            return null; // the API's syntax check: a rule the generator should not make (see RRuleSyntax)
        }
        RRuleReference reference = new RRuleReference(schedule instanceof Schedule.RRule r ? floating(r.rule()) : "",
                c.start);
        Instant from = c.from.atZone(c.zone).toInstant();
        Expected e = expected(reference, c, from);
        List<Instant> expected = e.fires();
        List<Instant> actual;
        try {
            actual = Schedules.preview(schedule, ZoneOffset.UTC, from, FIRES).stream().map(ZonedDateTime::toInstant)
                    .collect(Collectors.toList());
        } catch (ScheduleParseException x) {
            firesCompared[0] = -1; // rejected, and the reference found nothing in decades either
            return expected.isEmpty() ? null : text + " rejected (" + x.getMessage() + ") but occurs: " + expected;
        } catch (RuntimeException x) {
            return text + " from " + c.from + ": " + x;
        }
        actual.removeIf(i -> i.isAfter(e.reach())); // beyond what the brute force looked at
        firesCompared[0] = expected.size();
        if (!expected.equals(actual)) {
            int i = 0;
            while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
                i++;
            }
            return text + " from " + c.from + ": fire " + i + " differs\n   expected " + expected.subList(i,
                    expected.size()) + "\n   actual   " + actual.subList(i, actual.size());
        }
        return null;
    }

    private static String floating(String rule) {
        // UNTIL in UTC is an instant, applied in expected(); the reference works in wall time only
        return rule.replaceAll(";?UNTIL=\\d{8}T\\d{6}Z", "").replaceFirst("^;", "");
    }

    /** The reference's fires, complete up to {@code reach}. */
    record Expected(List<Instant> fires, Instant reach) {
    }

    private static Expected expected(RRuleReference reference, Case c, Instant from) {
        // wall times map to instants out of wall order only near a transition: look from a margin before `from`, and
        // trust the result only up to a margin before the last wall time the reference gave
        Duration margin = c.zone.getRules().isFixedOffset() ? Duration.ZERO : Duration.ofHours(3);
        LocalDateTime wallFrom = LocalDateTime.ofInstant(from, c.zone).minus(margin);
        LocalDate horizon = horizon(c);
        Instant untilInstant = untilInstant(c.rule);
        for (int ask = FIRES + 40; ; ask *= 4) {
            List<LocalDateTime> walls = reference.occurrencesAfter(wallFrom, ask, horizon);
            Instant reach = walls.size() < ask ? horizon.atStartOfDay(c.zone).toInstant()
                    : walls.get(walls.size() - 1).atZone(c.zone).toInstant().minus(margin);
            TreeSet<Instant> set = new TreeSet<>();
            for (LocalDateTime wall : walls) {
                Instant i = wall.atZone(c.zone).toInstant(); // gap: shifted by its length; overlap: earlier offset
                if (i.isAfter(from) && !i.isAfter(reach) && (untilInstant == null || !i.isAfter(untilInstant))) {
                    set.add(i);
                }
            }
            if (walls.size() < ask || set.size() >= FIRES || ask > 200_000) {
                return new Expected(set.stream().limit(FIRES).collect(Collectors.toList()),
                        set.size() >= FIRES ? set.stream().skip(FIRES - 1).findFirst().orElseThrow() : reach);
            }
        }
    }

    /** How far the brute force looks: it tries every second, minute or hour of every day a rule's date parts allow. */
    private static LocalDate horizon(Case c) {
        String rule = c.rule();
        LocalDate from = c.from.toLocalDate();
        return rule.contains("FREQ=SECONDLY") ? from.plusDays(60) : rule.contains("FREQ=MINUTELY") ? from.plusYears(2)
                : rule.contains("FREQ=HOURLY") ? from.plusYears(10) : from.plusYears(40);
    }

    private static Instant untilInstant(String rule) {
        var m = java.util.regex.Pattern.compile("UNTIL=(\\d{8}T\\d{6})Z").matcher(rule);
        return m.find() ? LocalDateTime.parse(m.group(1), java.time.format.DateTimeFormatter.ofPattern(
                "yyyyMMdd'T'HHmmss")).toInstant(ZoneOffset.UTC) : null;
    }

    // --- the generator -------------------------------------------------------------------------------------

    static Case randomCase(Random r) {
        int f = r.nextInt(10);
        String freq = FREQS[f < 1 ? 0 : f < 2 ? 1 : f < 3 ? 2 : f < 5 ? 3 : f < 6 ? 4 : f < 8 ? 5 : 6];
        int rank = List.of(FREQS).indexOf(freq);
        List<String> parts = new ArrayList<>();
        parts.add("FREQ=" + freq);
        if (r.nextInt(3) == 0) {
            parts.add("INTERVAL=" + (r.nextInt(10) == 0 ? 1 + r.nextInt(rank <= 2 ? 5000 : 12)
                    : 1 + r.nextInt(rank <= 2 ? 7 : 3)));
        }
        boolean byDayParts = false;
        if (r.nextInt(3) == 0) {
            parts.add("BYMONTH=" + list(r, 1, 12, false, 1 + r.nextInt(3)));
        }
        if (freq.equals("YEARLY") && r.nextInt(4) == 0) {
            parts.add("BYWEEKNO=" + list(r, 1, 53, true, 1 + r.nextInt(3)));
            byDayParts = true;
        }
        if ((rank <= 2 || rank == 6) && r.nextInt(6) == 0) {
            parts.add("BYYEARDAY=" + list(r, 1, 366, true, 1 + r.nextInt(4)));
        }
        if (rank != 4 && r.nextInt(3) == 0) {
            parts.add("BYMONTHDAY=" + list(r, 1, 31, true, 1 + r.nextInt(3)));
        }
        if (r.nextInt(2) == 0) {
            boolean ordinals = (rank == 5 || rank == 6 && !byDayParts) && r.nextBoolean();
            List<String> days = new ArrayList<>();
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                String d = DAYS[r.nextInt(7)];
                if (ordinals) {
                    int max = rank == 5 || parts.stream().anyMatch(p -> p.startsWith("BYMONTH=")) ? 5 : 53;
                    int n = 1 + r.nextInt(r.nextInt(4) == 0 ? max : Math.min(max, 5));
                    d = (r.nextBoolean() ? "-" : "") + n + d;
                }
                if (!days.contains(d)) {
                    days.add(d);
                }
            }
            parts.add("BYDAY=" + String.join(",", days));
        }
        if (r.nextInt(rank >= 3 ? 3 : 5) == 0) {
            parts.add("BYHOUR=" + list(r, 0, 23, false, 1 + r.nextInt(3)));
        }
        if (r.nextInt(rank >= 2 ? 4 : 5) == 0) {
            parts.add("BYMINUTE=" + list(r, 0, 59, false, 1 + r.nextInt(3)));
        }
        if (r.nextInt(rank >= 1 ? 6 : 4) == 0) {
            parts.add("BYSECOND=" + list(r, 0, 59, false, 1 + r.nextInt(2)));
        }
        if (parts.size() > 1 && parts.stream().anyMatch(p -> p.startsWith("BY")) && r.nextInt(rank == 0 ? 20 : 4) == 0) {
            // positions mostly within a period's size (a second holds one date-time, a minute 60 at most)
            int most = rank == 0 ? 1 : rank == 1 ? (r.nextBoolean() ? 3 : 60) : r.nextInt(4) > 0 ? 4 : 40;
            parts.add("BYSETPOS=" + list(r, 1, most, true, 1 + r.nextInt(Math.min(2, most))));
        }
        if (r.nextInt(5) == 0) {
            parts.add("WKST=" + DAYS[r.nextInt(7)]);
        }
        ZoneId zone = r.nextInt(3) == 0 ? ZONES.get(0) : ZONES.get(r.nextInt(ZONES.size()));
        java.time.YearMonth month = java.time.YearMonth.of(2000 + r.nextInt(30), 1 + r.nextInt(12));
        int day = r.nextInt(5) == 0 ? month.lengthOfMonth() - r.nextInt(3) : 1 + r.nextInt(28); // the 29th to 31st too
        LocalDateTime start = month.atDay(day).atTime(r.nextInt(24), r.nextInt(4) == 0 ? r.nextInt(60) : 0,
                r.nextInt(6) == 0 ? r.nextInt(60) : 0);
        int c = r.nextInt(6);
        if (c == 0) {
            parts.add("COUNT=" + (1 + r.nextInt(30)));
        } else if (c == 1) {
            LocalDateTime until = start.plusHours(1 + r.nextInt(rank <= 2 ? 200 : 20_000));
            parts.add("UNTIL=" + until.format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"))
                    + (zone.equals(ZONES.get(0)) || r.nextBoolean() ? "Z" : ""));
        }
        // keep the brute force affordable: fine rules are asked about near their start
        long reach = rank == 0 ? 3_600 : rank == 1 ? 86_400 * 3 : rank == 2 ? 86_400 * 60 : 86_400L * 365 * 12;
        // a rule with COUNT or UNTIL is asked about mostly from before its start (its whole set), else anywhere
        // (after its end too: nothing may come)
        boolean bounded = c <= 1 && r.nextInt(10) < 9;
        LocalDateTime from = bounded ? start.minusSeconds((long) (r.nextDouble() * reach / 10) + 1)
                : start.plusSeconds((long) (r.nextDouble() * reach) - reach / 10);
        java.util.Collections.shuffle(parts.subList(1, parts.size()), r);
        return new Case(String.join(";", parts), start, zone, from);
    }

    private static String list(Random r, int min, int max, boolean signed, int n) {
        TreeSet<Integer> values = new TreeSet<>();
        while (values.size() < n) {
            int v = min + r.nextInt(max - min + 1);
            values.add(signed && r.nextInt(3) == 0 ? -v : v);
        }
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
