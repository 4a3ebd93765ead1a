package org.pluginscheduler.api;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * When a task fires. Four kinds, each with an optional IANA time zone (absent: the scheduler's configured default
 * zone), and {@link OnDemand} for a task that never fires by itself:
 * <ul>
 * <li>{@link Cron}: a Unix 5-field cron expression ({@code minute hour day-of-month month day-of-week}), with
 * Vixie-cron semantics: when both day fields are restricted a day matches if <em>either</em> matches.</li>
 * <li>{@link Interval}: a fixed rate, measured in elapsed time, with an optional initial delay.</li>
 * <li>{@link Once}: a single instant.</li>
 * <li>{@link RRule}: an RFC 5545 recurrence rule with its DTSTART as a local date-time in the zone.</li>
 * <li>{@link OnDemand}: no fires; the task runs only when triggered, submitted or called.</li>
 * </ul>
 *
 * <h2>Canonical text form</h2>
 * One text form is used by configuration files, the shell and the store: {@code <kind>:<body>} followed by
 * optional space-separated {@code name=value} attributes.
 * <pre>
 * cron:0 3 * * *                                     every day at 03:00 in the default zone
 * cron:0 3 * * * tz=Europe/Paris                     every day at 03:00 Paris time
 * every:PT5M                                         every five minutes
 * every:PT1H delay=PT10M                             hourly, first fire ten minutes after registration
 * at:2026-12-01T10:00:00Z                            once
 * at:2026-12-01T10:00 tz=Europe/Paris                once, a local time in the zone
 * rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00 tz=Europe/Paris
 * on-demand                                          never by itself: only when triggered, submitted or called
 * </pre>
 * {@link #parse(String)} reads it and {@link #text()} writes it; {@code parse(s.text())} equals {@code s}.
 * Cron macros ({@code @daily}, {@code @hourly}, ...) are accepted and expanded.
 *
 * <h2>Daylight-saving time</h2>
 * Cron and RRULE schedules are evaluated on the zone's wall-clock time; fire instants follow these rules:
 * <ul>
 * <li><b>Gap</b> (clocks spring forward): a wall time that does not exist is moved forward by the length of the
 * gap, as RFC 5545 and {@code java.time} do: in Europe/Berlin on the last Sunday of March, {@code 02:30} fires
 * at {@code 03:30} CEST. Several wall times that map to the same instant fire once.</li>
 * <li><b>Overlap</b> (clocks fall back): a wall time that occurs twice fires once, at its first occurrence
 * (the earlier offset). Exception: a cron expression whose hour field starts with {@code *} (for example
 * {@code *}{@code /15 * * * *}) fires at every matching minute of both passes, as Vixie cron does, so
 * frequent jobs keep running through the repeated hour.</li>
 * </ul>
 * Intervals and one-shots are instants and are not affected by DST.
 *
 * <p>Instances are immutable value objects.
 */
public sealed interface Schedule permits Schedule.Cron, Schedule.Interval, Schedule.Once, Schedule.RRule,
        Schedule.OnDemand {

    /** @return the zone this schedule is evaluated in; empty means the scheduler's default zone */
    Optional<ZoneId> zone();

    /** @return a copy of this schedule evaluated in {@code zone} */
    Schedule withZone(ZoneId zone);

    /** @return {@code true} if the schedule can fire more than once */
    boolean isPeriodic();

    /** @return the canonical text form, accepted by {@link #parse(String)} */
    String text();

    /**
     * A Unix 5-field cron expression.
     *
     * @param expression the normalized expression: five fields separated by single spaces, names upper-case,
     *                   macros expanded
     * @param zone       the evaluation zone, empty for the scheduler's default
     */
    record Cron(String expression, Optional<ZoneId> zone) implements Schedule {
        /** @throws ScheduleParseException naming the cron field at fault */
        public Cron {
            Objects.requireNonNull(expression, "expression");
            Objects.requireNonNull(zone, "zone");
            expression = CronSyntax.normalize(expression);
        }

        @Override
        public Cron withZone(ZoneId zone) {
            return new Cron(expression, Optional.of(zone));
        }

        @Override
        public boolean isPeriodic() {
            return true;
        }

        @Override
        public String text() {
            return "cron:" + expression + zoneSuffix(zone);
        }
    }

    /**
     * A fixed rate. Fires at {@code registration + initialDelay + k * period} for k = 0, 1, 2, ...; fires are
     * not shifted by run durations (fixed rate, not fixed delay).
     *
     * @param period       the time between fires; positive, at least one millisecond
     * @param initialDelay the time from registration to the first fire; zero or positive
     * @param zone         kept for display and for consistency with the other kinds
     */
    record Interval(Duration period, Duration initialDelay, Optional<ZoneId> zone) implements Schedule {
        /** The longest period and initial delay: 200 years (a limit of the scheduler's, not of the arithmetic). */
        static final Duration LONGEST = Duration.ofDays(73_000);

        /** @throws ScheduleParseException if the period is not positive or the delay is negative */
        public Interval {
            Objects.requireNonNull(period, "period");
            Objects.requireNonNull(initialDelay, "initialDelay");
            Objects.requireNonNull(zone, "zone");
            if (!period.isNegative() && !period.isZero() && period.compareTo(Duration.ofMillis(1)) < 0) {
                throw new ScheduleParseException("every", period + " is shorter than the shortest period, PT0.001S");
            }
            if (period.compareTo(Duration.ofMillis(1)) < 0) {
                throw new ScheduleParseException("every", period + " must be positive (at least PT0.001S)");
            }
            if (period.compareTo(LONGEST) > 0) { // beyond, computing fires overflowed ("long overflow")
                throw new ScheduleParseException("every", period + " is longer than 200 years (P73000D)");
            }
            if (initialDelay.isNegative()) {
                throw new ScheduleParseException("delay", initialDelay + " must not be negative");
            }
            if (initialDelay.compareTo(LONGEST) > 0) {
                throw new ScheduleParseException("delay", initialDelay + " is longer than 200 years (P73000D)");
            }
        }

        @Override
        public Interval withZone(ZoneId zone) {
            return new Interval(period, initialDelay, Optional.of(zone));
        }

        @Override
        public boolean isPeriodic() {
            return true;
        }

        @Override
        public String text() {
            return "every:" + period + (initialDelay.isZero() ? "" : " delay=" + initialDelay) + zoneSuffix(zone);
        }
    }

    /**
     * A single fire at an instant. A one-shot whose instant is already past when it is registered fires once,
     * immediately, unless its task's {@link MisfirePolicy} is {@link MisfirePolicy.Kind#SKIP}.
     *
     * @param at   the fire instant
     * @param zone used to display the instant
     */
    record Once(Instant at, Optional<ZoneId> zone) implements Schedule {
        /** The earliest instant every zone can show as a date-time (offsets reach -18:00). */
        private static final Instant EARLIEST = LocalDateTime.MIN.toInstant(ZoneOffset.MIN);
        /** The latest instant every zone can show as a date-time (offsets reach +18:00). */
        private static final Instant LATEST = LocalDateTime.MAX.toInstant(ZoneOffset.MAX);

        /**
         * @throws ScheduleParseException if {@code at} is within 18 hours of the ends of the years -999999999 to
         *                                999999999, where a zone cannot show it as a date-time (a preview or
         *                                description threw then, although the schedule had parsed)
         */
        public Once {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(zone, "zone");
            if (at.isBefore(EARLIEST)) {
                throw new ScheduleParseException("at", at + " is before what every time zone can show (" + EARLIEST
                        + ")");
            }
            if (at.isAfter(LATEST)) {
                throw new ScheduleParseException("at", at + " is past what every time zone can show (" + LATEST + ")");
            }
        }

        @Override
        public Once withZone(ZoneId zone) {
            return new Once(at, Optional.of(zone));
        }

        @Override
        public boolean isPeriodic() {
            return false;
        }

        @Override
        public String text() {
            return "at:" + at + zoneSuffix(zone);
        }
    }

    /**
     * An RFC 5545 recurrence rule, for what cron cannot say ("the last Friday of every month", "every other
     * Tuesday", "the first weekday of the quarter").
     *
     * @param rule  the RRULE value, e.g. {@code FREQ=MONTHLY;BYDAY=-1FR}; normalized to upper case
     * @param start DTSTART: the first candidate occurrence, as a wall time in the zone; it also supplies the
     *              time of day and other parts the rule leaves open
     * @param zone  the evaluation zone, empty for the scheduler's default
     */
    record RRule(String rule, LocalDateTime start, Optional<ZoneId> zone) implements Schedule {
        /**
         * DTSTART of a rule written without {@code start=}: 2001-01-01T00:00, a Monday and the first of January,
         * at midnight, in the rule's zone. Fixed, so the rule fires the same after every restart (an INTERVAL keeps
         * its phase); what the rule leaves open comes from it: the time of day (00:00), the weekday of a WEEKLY rule
         * without BYDAY (Monday), the day of a MONTHLY or YEARLY rule without BYMONTHDAY or BYDAY (the 1st, January).
         * A rule with COUNT needs its own start.
         */
        public static final LocalDateTime DEFAULT_START = LocalDateTime.of(2001, 1, 1, 0, 0);

        /**
         * @throws ScheduleParseException naming the rule part at fault, or {@code start} outside the years 0000–9999
         *                                (RFC 5545 years have four digits)
         */
        public RRule {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(zone, "zone");
            if (start.getYear() < 0 || start.getYear() > 9999) {
                throw new ScheduleParseException("start", "'" + start + "' is not in the years 0000–9999");
            }
            rule = RRuleSyntax.normalize(rule);
        }

        @Override
        public RRule withZone(ZoneId zone) {
            return new RRule(rule, start, Optional.of(zone));
        }

        @Override
        public boolean isPeriodic() {
            return true;
        }

        @Override
        public String text() {
            return "rrule:" + rule + " start=" + start + zoneSuffix(zone);
        }
    }

    /**
     * No schedule: a task that runs only when asked ({@link TaskScheduler#trigger}, {@link TaskScheduler#submit},
     * {@link TaskScheduler#call}, the shell's {@code task:trigger}, {@code task:submit} and {@code task:call}). Its
     * text form is {@value #TEXT}. The runs asked for behave as a periodic task's: a trigger follows the task's
     * overlap policy (with the default {@link OverlapPolicy#SKIP}, a trigger while a run is going is recorded
     * SKIPPED), submissions and retries wait for the running execution, a call runs beside it; lock keys and group
     * limits hold. It has no fires, so it never misses one (a submission whose time passed while the runtime was
     * down follows the misfire policy, as for any task). An operator can make any task on-demand with
     * {@code task:reschedule <task> on-demand} (fires it missed while paused are dropped then) and give its schedule
     * back with {@code task:reschedule --reset <task>}.
     */
    record OnDemand() implements Schedule {

        /** The canonical text form. */
        public static final String TEXT = "on-demand";

        /** @return empty: an on-demand schedule has no zone */
        @Override
        public Optional<ZoneId> zone() {
            return Optional.empty();
        }

        /** @return this schedule: it has no time to evaluate in a zone */
        @Override
        public OnDemand withZone(ZoneId zone) {
            return this;
        }

        @Override
        public boolean isPeriodic() {
            return false;
        }

        @Override
        public String text() {
            return TEXT;
        }
    }

    /** @return the schedule of a task that runs only when asked; see {@link OnDemand} */
    static OnDemand onDemand() {
        return new OnDemand();
    }

    /** @return a cron schedule in the default zone; see {@link Cron} */
    static Cron cron(String expression) {
        return new Cron(expression, Optional.empty());
    }

    /** @return a fixed-rate schedule whose first fire is at registration; see {@link Interval} */
    static Interval every(Duration period) {
        return new Interval(period, Duration.ZERO, Optional.empty());
    }

    /** @return a fixed-rate schedule whose first fire is {@code initialDelay} after registration */
    static Interval every(Duration period, Duration initialDelay) {
        return new Interval(period, initialDelay, Optional.empty());
    }

    /** @return a one-shot schedule */
    static Once at(Instant at) {
        return new Once(at, Optional.empty());
    }

    /** @return a recurrence-rule schedule in the default zone */
    static RRule rrule(String rule, LocalDateTime start) {
        return new RRule(rule, start, Optional.empty());
    }

    /**
     * Parses the canonical text form (see the class description).
     *
     * @throws ScheduleParseException naming the field at fault, e.g. {@code "minute: 61 is not in 0–59"}
     */
    static Schedule parse(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        if (trimmed.equalsIgnoreCase(OnDemand.TEXT)) {
            return onDemand();
        }
        int colon = trimmed.indexOf(':');
        if (colon <= 0) {
            throw new ScheduleParseException("schedule", "'" + trimmed + "' does not start with a kind "
                    + "(cron:, every:, at: or rrule:) and is not " + OnDemand.TEXT);
        }
        String kind = trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>(Arrays.asList(trimmed.substring(colon + 1).trim().split("\\s+")));
        Map<String, String> attributes = new LinkedHashMap<>();
        int firstAttribute = tokens.size();
        if (kind.equals("rrule")) {
            firstAttribute = 1; // the rule contains '=' itself; everything after it is an attribute
        } else {
            while (firstAttribute > 0 && tokens.get(firstAttribute - 1).contains("=")) {
                firstAttribute--;
            }
        }
        for (String token : tokens.subList(firstAttribute, tokens.size())) {
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new ScheduleParseException(kind, "'" + token + "' is not a name=value attribute");
            }
            String name = token.substring(0, eq).toLowerCase(Locale.ROOT);
            if (attributes.put(name, token.substring(eq + 1)) != null) {
                throw new ScheduleParseException(name, "appears twice");
            }
        }
        tokens = tokens.subList(0, firstAttribute);
        String body = String.join(" ", tokens);
        Optional<ZoneId> zone = Optional.ofNullable(attributes.remove("tz")).map(Schedule::zoneOf);
        Schedule schedule = switch (kind) {
            case "cron" -> new Cron(body, zone);
            case "every" -> new Interval(duration("every", body),
                    Optional.ofNullable(attributes.remove("delay")).map(d -> duration("delay", d)).orElse(Duration.ZERO),
                    zone);
            case "at" -> new Once(instant(body, zone), zone);
            case "rrule" -> {
                String start = attributes.remove("start");
                if (start == null && (";" + RRuleSyntax.normalize(body)).contains(";COUNT=")) {
                    throw new ScheduleParseException("start", "is required with COUNT (without start=, a rule "
                            + "starts at " + RRule.DEFAULT_START + ", so its count would long be spent)");
                }
                yield new RRule(body, start == null ? RRule.DEFAULT_START : localDateTime("start", start), zone);
            }
            default -> throw new ScheduleParseException("schedule", "unknown kind '" + kind
                    + "' (use cron:, every:, at: or rrule:, or " + OnDemand.TEXT + " for no schedule)");
        };
        if (!attributes.isEmpty()) {
            String name = attributes.keySet().iterator().next();
            throw new ScheduleParseException(name, "is not an attribute of " + kind + ": schedules");
        }
        return schedule;
    }

    /**
     * Resolves an IANA zone id.
     *
     * @throws ScheduleParseException {@code "tz: unknown time zone '...'"}
     */
    static ZoneId zoneOf(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new ScheduleParseException("tz", "unknown time zone '" + id + "'");
        }
    }

    private static String zoneSuffix(Optional<ZoneId> zone) {
        return zone.map(z -> " tz=" + z.getId()).orElse("");
    }

    private static Duration duration(String field, String text) {
        try {
            return Duration.parse(text.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            if (hasCalendarParts(text.toUpperCase(Locale.ROOT))) {
                throw new ScheduleParseException(field, "'" + text + "' has years, months or weeks, which a fixed-rate "
                        + "period does not take: give days (P30D), or use a cron: or rrule: schedule for calendar dates");
            }
            throw new ScheduleParseException(field, "'" + text + "' is not an ISO-8601 duration such as PT5M or PT1H30M");
        }
    }

    /**
     * @return whether {@code text} is an ISO-8601 duration with the date parts {@link Duration} does not take
     *         (years, months, weeks): {@code P1M}, {@code -P1Y2M}, {@code P2WT1H}. Scanned, not matched with a
     *         regular expression, whose repeated group overflowed the stack on 100,000 characters.
     */
    private static boolean hasCalendarParts(String upper) {
        int start = upper.startsWith("-") || upper.startsWith("+") ? 1 : 0;
        if (!upper.startsWith("P", start)) {
            return false;
        }
        int t = upper.indexOf('T');
        String date = upper.substring(start + 1, t < 0 ? upper.length() : t);
        return date.chars().anyMatch(c -> c == 'Y' || c == 'M' || c == 'W')
                && date.chars().allMatch(c -> c >= '0' && c <= '9' || c == 'Y' || c == 'M' || c == 'W' || c == 'D');
    }

    private static LocalDateTime localDateTime(String field, String text) {
        try {
            return LocalDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw new ScheduleParseException(field, "'" + text + "' is not a local date-time such as 2026-01-05T09:00");
        }
    }

    private static Instant instant(String text, Optional<ZoneId> zone) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                LocalDateTime local = LocalDateTime.parse(text);
                return local.atZone(zone.orElseThrow(() -> new ScheduleParseException("at", "'" + text
                        + "' has no offset: add one (2026-12-01T10:00:00Z) or a zone (tz=Europe/Paris)"))).toInstant();
            } catch (DateTimeParseException notLocal) {
                throw new ScheduleParseException("at", "'" + text + "' is not an instant such as 2026-12-01T10:00:00Z");
            }
        }
    }
}
